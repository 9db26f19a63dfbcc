import {
  type CommitMarkerOptions,
  type CommitMarkerStats,
  GoneAwayConfigError,
  runTransactionWithRetry,
  type TransactionRetryOptions,
} from '@goneaway/core';
import {
  CommitMarker,
  type CommitMarkerSettings,
  DEFAULT_COMMIT_MARKER_TABLE,
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

// One CommitMarker per knex instance and table, so the table is checked once and deletes are batched.
const markersByClient = new WeakMap<object, Map<string, CommitMarker>>();

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
  const marker = markerFor(db, client, settings, instance.hub);
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
  const markers = markersOf(db);
  const wanted = table ?? DEFAULT_COMMIT_MARKER_TABLE;
  for (const marker of markers?.values() ?? []) {
    if (marker.settings.table === wanted) return marker.stats();
  }
  return undefined;
}

/**
 * Deletes now the markers of confirmed commits still waiting for their background DELETE (call it
 * before `db.destroy()`; markers left behind are pruned by age later). Never rejects.
 */
export async function flushCommitMarkers(db: Knex): Promise<void> {
  await Promise.all([...(markersOf(db)?.values() ?? [])].map((marker) => marker.flush()));
}

function markersOf(db: Knex): Map<string, CommitMarker> | undefined {
  const client = (db as { client?: object } | undefined)?.client;
  return client === undefined ? undefined : markersByClient.get(client);
}

function markerFor(
  db: Knex,
  client: object,
  settings: CommitMarkerSettings,
  events: EventSink,
): CommitMarker {
  let markers = markersByClient.get(client);
  if (markers === undefined) {
    markers = new Map();
    markersByClient.set(client, markers);
  }
  const key = `${settings.quotedTable}\u0000${settings.pruneAfterMs}`;
  let marker = markers.get(key);
  if (marker === undefined) {
    // Outside the transaction: any pooled connection, through goneaway's retries (it waits out a restart).
    marker = new CommitMarker({ settings, outside: rawConnection(db), events });
    markers.set(key, marker);
  }
  return marker;
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
