import { GoneAwayConfigError, runTransactionWithRetry, type TransactionRetryOptions } from '@goneaway/core';
import { usesGoneAwayDriver } from './data-source-pool.js';

export interface WithTransactionRetryOptions<T> extends TransactionRetryOptions<T> {
  /** Passed to `dataSource.transaction(isolationLevel, fn)`, e.g. `'SERIALIZABLE'`. */
  readonly isolationLevel?: string;
}

/** What withTransactionRetry calls: TypeORM's `DataSource.transaction` (0.3 and 1.x). */
export interface TransactionalDataSource {
  readonly options: { readonly driver?: unknown };
  // biome-ignore lint/suspicious/noExplicitAny: TypeORM's overloads differ between 0.3 and 1.x.
  transaction(...args: any[]): Promise<unknown>;
}

/** The EntityManager type of a DataSource (its `manager` property). */
export type ManagerOf<D> = D extends { readonly manager: infer M } ? M : unknown;

/**
 * Runs `fn(manager)` through `dataSource.transaction`, and the whole transaction again, on a fresh
 * connection, after `GONEAWAY_TRANSACTION_LOST` (the server rolled it back) or a deadlock, up to a
 * limit with backoff. `fn` must be safe to run again from the start. A lost COMMIT
 * (`GONEAWAY_COMMIT_UNKNOWN`) is not run again.
 */
export function withTransactionRetry<D extends TransactionalDataSource, T>(
  dataSource: D,
  fn: (manager: ManagerOf<D>) => Promise<T>,
  options?: WithTransactionRetryOptions<T>,
): Promise<T> {
  if (!usesGoneAwayDriver(dataSource) || typeof dataSource.transaction !== 'function') {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'dataSource',
          expected: 'a DataSource made with new DataSource(goneAwayTypeorm(options))',
          received:
            typeof (dataSource as Partial<TransactionalDataSource> | null)?.transaction === 'function'
              ? 'a DataSource without goneaway'
              : 'something that is not a TypeORM DataSource',
        },
      ],
    });
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`withTransactionRetry(dataSource, fn): fn must be a function, got ${typeof fn}.`);
  }
  const isolationLevel = options?.isolationLevel;
  return runTransactionWithRetry(
    () =>
      (isolationLevel === undefined
        ? dataSource.transaction(fn)
        : dataSource.transaction(isolationLevel, fn)) as Promise<T>,
    options,
  );
}
