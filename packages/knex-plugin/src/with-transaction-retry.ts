import { runTransactionWithRetry, type TransactionRetryOptions } from '@goneaway/core';
import type { Knex } from 'knex';

/**
 * Runs `db.transaction(fn)` and runs the whole transaction again, from a fresh connection, after
 * `GONEAWAY_TRANSACTION_LOST` (the server rolled it back) or a deadlock (1213), up to a limit with
 * backoff. After `GONEAWAY_COMMIT_UNKNOWN` it runs again only when `resolveCommitOutcome` says the
 * commit did not happen. `fn` must therefore be safe to run again from the start: keep side effects
 * outside the database (emails, HTTP calls) out of it, or make them idempotent.
 */
export function withTransactionRetry<T>(
  db: Knex,
  fn: (trx: Knex.Transaction) => Promise<T>,
  options?: TransactionRetryOptions<T> & { readonly isolationLevel?: Knex.IsolationLevels },
): Promise<T> {
  if (typeof db?.transaction !== 'function') {
    throw new TypeError(
      'withTransactionRetry(db, fn): db must be a knex instance (got something without .transaction).',
    );
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`withTransactionRetry(db, fn): fn must be a function, got ${typeof fn}.`);
  }
  const config = options?.isolationLevel ? { isolationLevel: options.isolationLevel } : undefined;
  return runTransactionWithRetry(() => db.transaction((trx) => fn(trx), config), options);
}
