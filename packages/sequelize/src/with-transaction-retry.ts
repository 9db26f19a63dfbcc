import { GoneAwayConfigError, runTransactionWithRetry, type TransactionRetryOptions } from '@goneaway/core';
import { goneAwayOfSequelize } from './sequelize-goneaway.js';

export interface WithTransactionRetryOptions<T> extends TransactionRetryOptions<T> {
  /** Passed to `sequelize.transaction({ isolationLevel }, fn)`, e.g. `'SERIALIZABLE'`. */
  readonly isolationLevel?: string;
}

/** What withTransactionRetry calls: Sequelize's managed `sequelize.transaction(options, fn)`. */
export interface TransactionalSequelize {
  readonly config: { readonly dialectModule?: unknown };
  // biome-ignore lint/suspicious/noExplicitAny: Sequelize's overloads (with and without options).
  transaction(...args: any[]): Promise<unknown>;
}

/**
 * The Transaction type a Sequelize instance hands its managed transaction's callback: what its
 * unmanaged `transaction(options?)` (the last of Sequelize's overloads) resolves to.
 */
export type TransactionOf<S> = S extends { transaction(options?: never): Promise<infer X> } ? X : unknown;

/**
 * Runs `fn(transaction)` through Sequelize's managed `sequelize.transaction`, and the whole
 * transaction again, on a fresh connection, after `GONEAWAY_TRANSACTION_LOST` (the server rolled it
 * back) or a deadlock, up to a limit with backoff. `fn` must be safe to run again from the start and
 * pass `transaction` to every query (or use Sequelize's CLS). A lost COMMIT
 * (`GONEAWAY_COMMIT_UNKNOWN`) is not run again.
 */
export function withTransactionRetry<S extends TransactionalSequelize, T>(
  sequelize: S,
  fn: (transaction: TransactionOf<S>) => Promise<T>,
  options?: WithTransactionRetryOptions<T>,
): Promise<T> {
  if (goneAwayOfSequelize(sequelize) === undefined || typeof sequelize?.transaction !== 'function') {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'sequelize',
          expected: 'a Sequelize instance made with new Sequelize(goneAwaySequelize(options))',
          received:
            typeof (sequelize as Partial<TransactionalSequelize> | null)?.transaction === 'function'
              ? 'a Sequelize instance without goneaway'
              : 'something that is not a Sequelize instance',
        },
      ],
    });
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`withTransactionRetry(sequelize, fn): fn must be a function, got ${typeof fn}.`);
  }
  const isolationLevel = options?.isolationLevel;
  return runTransactionWithRetry(
    () =>
      (isolationLevel === undefined
        ? sequelize.transaction(fn)
        : sequelize.transaction({ isolationLevel }, fn)) as Promise<T>,
    options,
  );
}
