import { GoneAwayConfigError } from '../errors/goneaway-config-error.js';
import type { CommitMarker } from './commit-marker.js';
import type { MarkerConnection, WrittenMarker } from './marker-connection.js';
import { runTransactionWithRetry, type TransactionRetryOptions } from './run-transaction-with-retry.js';

/** What an adapter supplies to run one transaction with a commit marker. */
export interface CommitMarkerTransaction<Tx, T> {
  /**
   * Opens a transaction, runs `body` in it and commits it, rejecting with the typed errors of issue 5:
   * TransactionLostError when the connection died before COMMIT, CommitOutcomeUnknownError when it
   * died during COMMIT (e.g. knex's `db.transaction(body)` on a goneAway() instance).
   */
  readonly transaction: (body: (tx: Tx) => Promise<T>) => Promise<T>;
  /** The transaction's own connection, for the marker insert. */
  readonly connectionOf: (tx: Tx) => MarkerConnection;
  /** How long resolving a lost COMMIT may take: the adapter's outage budget unless the user set one. */
  readonly resolveTimeoutMs: number;
}

/** One attempt's marker and the callback's result, which COMMIT's loss keeps from reaching the loop. */
interface AttemptRecord<T> {
  readonly attempt: number;
  marker: WrittenMarker | undefined;
  value: T | undefined;
}

/**
 * `runTransactionWithRetry` made exactly-once: `fn` runs inside the transaction, then a marker row is
 * inserted as its last statement. When COMMIT is lost, the marker decides: present, the transaction
 * committed and its result is returned; absent, it rolled back and runs again (an attempt like any
 * other). The caller never sees CommitOutcomeUnknownError unless resolving outlasts
 * `resolveTimeoutMs` (an outage longer than the budget). Markers of confirmed commits are deleted in
 * the background.
 */
export async function runTransactionWithCommitMarker<Tx, T>(
  marker: CommitMarker,
  binding: CommitMarkerTransaction<Tx, T>,
  fn: (tx: Tx) => Promise<T>,
  options: TransactionRetryOptions<T> = {},
): Promise<T> {
  if (options.resolveCommitOutcome !== undefined) {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'resolveCommitOutcome',
          expected: 'no resolveCommitOutcome together with commitMarker (the marker resolves a lost COMMIT)',
          received: 'a function',
        },
      ],
    });
  }
  await marker.ensureTable();
  let current: AttemptRecord<T> | undefined;

  return runTransactionWithRetry<T>(
    async (attempt) => {
      const record: AttemptRecord<T> = { attempt, marker: undefined, value: undefined };
      current = record;
      const value = await binding.transaction(async (tx) => {
        const result = await fn(tx);
        record.value = result;
        record.marker = await marker.write(binding.connectionOf(tx));
        return result;
      });
      if (record.marker !== undefined) marker.confirm(record.marker);
      return value;
    },
    {
      ...options,
      resolveCommitOutcome: async (_error, { attempt, signal }) => {
        const record = current?.attempt === attempt ? current : undefined;
        // COMMIT was lost before our marker was written (fn ran COMMIT itself): nothing can tell.
        if (record?.marker === undefined) return { outcome: 'unknown' };
        const outcome = await marker.resolve(record.marker, { timeoutMs: binding.resolveTimeoutMs, signal });
        if (outcome === 'committed') {
          marker.confirm(record.marker);
          return { outcome: 'committed', value: record.value as T };
        }
        return outcome === 'rolled-back' ? { outcome: 'not-committed' } : { outcome: 'unknown' };
      },
    },
  );
}
