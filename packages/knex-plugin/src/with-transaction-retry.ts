import {
  type CommitMarkerOptions,
  type CommitMarkerStats,
  GoneAwayConfigError,
  runTransactionWithRetry,
  type TransactionRetryOptions,
} from '@goneaway/core';
import {
  CommitMarkerSet,
  type EventSink,
  type MarkerConnection,
  type MarkerQueryResult,
  parseCommitMarkerOptions,
  runTransactionWithCommitMarker,
} from '@goneaway/core/adapter';
import type { Knex } from 'knex';
import { instanceOfClient } from './goneaway-client.js';

export interface WithTransactionRetryOptions<T> extends TransactionRetryOptions<T> {
  readonly isolationLevel?: Knex.IsolationLevels;
  /**
   * Exactly once: a marker row written as the transaction's last statement decides a lost COMMIT
   * (committed: its result is returned; rolled back: it runs again) instead of CommitOutcomeUnknownError.
   * Needs a knex(goneAway(config)) instance.
   */
  readonly commitMarker?: boolean | CommitMarkerOptions;
}

// The commit markers of each knex instance (its client), as every adapter keeps them: one per table and
// prune age, so the table is checked once and deletes are batched.
const markerSets = new WeakMap<object, CommitMarkerSet>();

/**
 * Runs `db.transaction(fn)` and runs the whole transaction again, from a fresh connection, after
 * `GONEAWAY_TRANSACTION_LOST` (the server rolled it back) or a deadlock (1213), up to a limit with
 * backoff. After `GONEAWAY_COMMIT_UNKNOWN` it runs again only when the commit is known not to have
 * happened: with `commitMarker` the marker tells; otherwise `resolveCommitOutcome`, if given. `fn`
 * must therefore be safe to run again from the start: keep side effects outside the database
 * (emails, HTTP calls) out of it, or make them idempotent.
 */
export function withTransactionRetry<T>(
  db: Knex,
  fn: (trx: Knex.Transaction) => Promise<T>,
  options?: WithTransactionRetryOptions<T>,
): Promise<T> {
  if (typeof db?.transaction !== 'function') {
    throw new TypeError(
      'withTransactionRetry(db, fn): db must be a knex instance (got something without .transaction).',
    );
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`withTransactionRetry(db, fn): fn must be a function, got ${typeof fn}.`);
  }
  const { isolationLevel, commitMarker, ...retryOptions } = options ?? {};
  const config = isolationLevel ? { isolationLevel } : undefined;
  const settings = parseCommitMarkerOptions(commitMarker);
  if (settings === undefined) {
    return runTransactionWithRetry(() => db.transaction((trx) => fn(trx), config), retryOptions);
  }
  const client = (db as { client?: object }).client;
  const instance = instanceOfClient(client);
  if (client === undefined || instance === undefined) {
    // Only goneaway's client turns a lost COMMIT into CommitOutcomeUnknownError, which the marker resolves.
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'commitMarker',
          expected: 'a knex instance created with knex(goneAway(config))',
          received: 'a knex instance without goneaway',
        },
      ],
    });
  }
  const marker = markerSetOf(db, client, instance).markerFor(settings);
  return runTransactionWithCommitMarker<Knex.Transaction, T>(
    marker,
    {
      transaction: (body) => db.transaction(body, config),
      connectionOf: (trx) => rawConnection(trx),
      resolveTimeoutMs: settings.resolveTimeoutMs ?? instance.policy.outageBudgetMs,
    },
    fn,
    retryOptions,
  );
}

/**
 * Counters of the commit marker table `table` (default `goneaway_commit_markers`) used by
 * withTransactionRetry on this knex instance; undefined before its first use.
 */
export function commitMarkerStats(db: Knex, table?: string): CommitMarkerStats | undefined {
  return existingMarkerSet(db)?.stats(table);
}

/**
 * Deletes now the markers of confirmed commits still waiting for their background DELETE (call it
 * before `db.destroy()`; markers left behind are pruned by age later). Never rejects.
 */
export async function flushCommitMarkers(db: Knex): Promise<void> {
  await existingMarkerSet(db)?.flush();
}

function existingMarkerSet(db: Knex): CommitMarkerSet | undefined {
  const client = (db as { client?: object } | undefined)?.client;
  return client === undefined ? undefined : markerSets.get(client);
}

function markerSetOf(
  db: Knex,
  client: object,
  instance: { readonly hub: EventSink; readonly pipeline: { routedServer(): string | undefined } },
): CommitMarkerSet {
  let markers = markerSets.get(client);
  if (markers === undefined) {
    // Outside the transaction: any pooled connection, through goneaway's retries (it waits out a
    // restart); with a cluster, on the writer the pool follows (a lost COMMIT is decided only there).
    const outside: MarkerConnection = {
      ...rawConnection(db),
      server: () => instance.pipeline.routedServer(),
    };
    markers = new CommitMarkerSet({ outside, events: instance.hub });
    markerSets.set(client, markers);
  }
  return markers;
}

/** knex + mysql2 `raw()` resolves `[rows, fields]` for a SELECT and `[ResultSetHeader, undefined]` otherwise. */
function rawConnection(runner: Knex | Knex.Transaction): MarkerConnection {
  return {
    query: async (sql) => fromRawResponse(await runner.raw(sql)),
  };
}

function fromRawResponse(response: unknown): MarkerQueryResult {
  const first: unknown = Array.isArray(response) ? response[0] : response;
  if (Array.isArray(first)) return { rows: first as Record<string, unknown>[] };
  const header = (first ?? {}) as { insertId?: unknown; affectedRows?: unknown };
  return {
    rows: [],
    insertId: typeof header.insertId === 'number' ? header.insertId : undefined,
    affectedRows: typeof header.affectedRows === 'number' ? header.affectedRows : undefined,
  };
}
