import { type CommitMarkerStats, GoneAwayConfigError } from '@goneaway/core';
import {
  type CommitMarker,
  CommitMarkerSet,
  type CommitMarkerSettings,
  type MarkerConnection,
  type MarkerQueryResult,
} from '@goneaway/core/adapter';
import { type CorePool, corePoolOf } from './mysql2-internals.js';
import type { Mysql2PoolInstance } from './pool-instance.js';
import { instanceOfCorePool } from './wrap-pool.js';

/** The commit markers of each wrapped pool (its instance): the table checked once, deletes batched. */
const markerSets = new WeakMap<Mysql2PoolInstance, CommitMarkerSet>();

/** A wrapped pool's marker for these settings, and how long resolving a lost COMMIT on it may take. */
export interface PoolCommitMarker {
  readonly marker: CommitMarker;
  /** `resolveTimeoutMs` when set, else the pool's outage budget. */
  readonly resolveTimeoutMs: number;
}

/**
 * The commit marker of a pool made by wrapMysql2 (a TypeORM DataSource's pool too): its statements
 * outside the transaction run on the pool itself, through goneaway's retries (a restart is waited out
 * within the budget), and its `commit-resolved` events go to the pool's subscribers.
 */
export function poolCommitMarker(pool: unknown, settings: CommitMarkerSettings): PoolCommitMarker {
  const core = corePoolOf(pool);
  const instance = core === undefined ? undefined : instanceOfCorePool(core);
  if (core === undefined || instance === undefined) {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'commitMarker',
          expected: 'a pool made by wrapMysql2(mysql2).createPool (callback or promise)',
          received:
            core === undefined ? 'something that is not a mysql2 pool' : 'a mysql2 pool without goneaway',
        },
      ],
    });
  }
  let markers = markerSets.get(instance);
  if (markers === undefined) {
    const outside: MarkerConnection = {
      ...pooledMarkerConnection(core),
      // With a cluster, the writer the pool follows: a lost COMMIT is decided only on its own server.
      server: () => instance.pipeline.routedServer(),
    };
    markers = new CommitMarkerSet({ outside, events: instance.hub });
    markerSets.set(instance, markers);
  }
  return {
    marker: markers.markerFor(settings),
    resolveTimeoutMs: settings.resolveTimeoutMs ?? instance.policy.outageBudgetMs,
  };
}

/**
 * Counters of the commit marker table `table` (default `goneaway_commit_markers`) used by
 * withTransactionRetry on this pool; undefined before its first use.
 */
export function commitMarkerStats(pool: unknown, table?: string): CommitMarkerStats | undefined {
  return markerSetOf(pool)?.stats(table);
}

/**
 * Deletes now the markers of confirmed commits still waiting for their background DELETE (call it
 * before `pool.end()`; markers left behind are pruned by age later). Never rejects.
 */
export async function flushCommitMarkers(pool: unknown): Promise<void> {
  await markerSetOf(pool)?.flush();
}

function markerSetOf(pool: unknown): CommitMarkerSet | undefined {
  const core = corePoolOf(pool);
  const instance = core === undefined ? undefined : instanceOfCorePool(core);
  return instance === undefined ? undefined : markerSets.get(instance);
}

/** mysql2's callback `query(sql, callback)`: a pool's (goneaway's retries) or a held connection's. */
export interface CallbackQueryable {
  query(sql: string, callback: (error: unknown, result?: unknown) => void): unknown;
}

/** A mysql2 pool or connection as the marker's shape. */
export function markerConnectionOf(queryable: CallbackQueryable): MarkerConnection {
  return {
    query: (sql) =>
      new Promise((resolve, reject) => {
        queryable.query(sql, (error, result) => (error ? reject(error) : resolve(markerResultOf(result))));
      }),
  };
}

function pooledMarkerConnection(core: CorePool): MarkerConnection {
  return markerConnectionOf(core as CorePool & CallbackQueryable);
}

/** mysql2 answers a SELECT with its rows, anything else with a ResultSetHeader. */
function markerResultOf(result: unknown): MarkerQueryResult {
  if (Array.isArray(result)) return { rows: result as Record<string, unknown>[] };
  const header = (result ?? {}) as { insertId?: unknown; affectedRows?: unknown };
  return {
    insertId: header.insertId as MarkerQueryResult['insertId'],
    affectedRows: header.affectedRows as MarkerQueryResult['affectedRows'],
  };
}
