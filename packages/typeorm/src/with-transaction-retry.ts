import {
  type CommitMarkerOptions,
  GoneAwayConfigError,
  runTransactionWithRetry,
  type TransactionRetryOptions,
} from '@goneaway/core';
import { parseCommitMarkerOptions, runTransactionWithCommitMarker } from '@goneaway/core/adapter';
import { poolCommitMarker } from '@goneaway/mysql2/adapter';
import { managerMarkerConnection, type QueryingManager } from './data-source-commit-markers.js';
import { poolOfDataSource, usesGoneAwayDriver } from './data-source-pool.js';

export interface WithTransactionRetryOptions<T> extends TransactionRetryOptions<T> {
  /** Passed to `dataSource.transaction(isolationLevel, fn)`, e.g. `'SERIALIZABLE'`. */
  readonly isolationLevel?: string;
  /**
   * Exactly once: a marker row written as the transaction's last statement decides a lost COMMIT
   * (committed: its result is returned; rolled back: it runs again) instead of CommitOutcomeUnknownError.
   * Needs an initialized DataSource.
   */
  readonly commitMarker?: boolean | CommitMarkerOptions;
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
 * limit with backoff. After a lost COMMIT (`GONEAWAY_COMMIT_UNKNOWN`) it runs again only when the
 * commit is known not to have happened: with `commitMarker` the marker tells (its insert is the
 * callback's last statement, through the transaction's EntityManager); otherwise
 * `resolveCommitOutcome`, if given. `fn` must be safe to run again from the start.
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
  const { isolationLevel, commitMarker, ...retryOptions } = options ?? {};
  const settings = parseCommitMarkerOptions(commitMarker);
  const transaction = (body: (manager: ManagerOf<D>) => Promise<T>): Promise<T> =>
    (isolationLevel === undefined
      ? dataSource.transaction(body)
      : dataSource.transaction(isolationLevel, body)) as Promise<T>;
  if (settings === undefined) return runTransactionWithRetry(() => transaction(fn), retryOptions);
  // The marker's statements outside the transaction run on the DataSource's own (goneaway) pool.
  const { marker, resolveTimeoutMs } = poolCommitMarker(
    poolOfDataSource(dataSource, 'withTransactionRetry'),
    settings,
  );
  return runTransactionWithCommitMarker<ManagerOf<D>, T>(
    marker,
    {
      transaction,
      connectionOf: (manager) => managerMarkerConnection(manager as QueryingManager),
      resolveTimeoutMs,
    },
    fn,
    retryOptions,
  );
}
