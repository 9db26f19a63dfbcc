import {
  type CommitMarkerOptions,
  GoneAwayConfigError,
  runTransactionWithRetry,
  type TransactionRetryOptions,
} from '@goneaway/core';
import { parseCommitMarkerOptions, runTransactionWithCommitMarker } from '@goneaway/core/adapter';
import type { Pool as CallbackPool, PoolConnection as CallbackPoolConnection } from 'mysql2';
import type { Pool as PromisePool, PoolConnection as PromisePoolConnection } from 'mysql2/promise';
import { type CorePoolConnection, corePoolOf, type PromisePoolShell } from './mysql2-internals.js';
import { type CallbackQueryable, markerConnectionOf, poolCommitMarker } from './pool-commit-markers.js';
import type { Mysql2PoolInstance } from './pool-instance.js';
import { instanceOfCorePool } from './wrap-pool.js';

export interface WithTransactionRetryOptions<T> extends TransactionRetryOptions<T> {
  /**
   * Exactly once: a marker row written as the transaction's last statement decides a lost COMMIT
   * (committed: its result is returned; rolled back: it runs again) instead of CommitOutcomeUnknownError.
   */
  readonly commitMarker?: boolean | CommitMarkerOptions;
}

/** A pool goneAwayMysql2 makes: mysql2's callback Pool (`mysql2`) or promise Pool (`mysql2/promise`). */
export type Mysql2Pool = CallbackPool | PromisePool;

/**
 * The connection withTransactionRetry hands `fn` for a pool: the one that pool's `getConnection`
 * gives (a promise PoolConnection for a promise pool, mysql2's own PoolConnection for a callback pool).
 */
export type TransactionConnectionOf<P extends Mysql2Pool> = P extends PromisePool
  ? PromisePoolConnection
  : CallbackPoolConnection;

/**
 * Runs `fn(connection)` inside a transaction on a connection of `pool`'s own kind (a promise
 * connection for a promise pool), commits and releases it, and runs the whole transaction again, on
 * a fresh connection, after `GONEAWAY_TRANSACTION_LOST` (the server rolled it back) or a deadlock,
 * up to a limit with backoff. After `GONEAWAY_COMMIT_UNKNOWN` it runs again only when the commit is
 * known not to have happened: with `commitMarker` the marker tells; otherwise `resolveCommitOutcome`,
 * if given. `fn` must be safe to run again from the start.
 */
export function withTransactionRetry<P extends Mysql2Pool, T>(
  pool: P,
  fn: (connection: TransactionConnectionOf<P>) => Promise<T>,
  options?: WithTransactionRetryOptions<T>,
): Promise<T> {
  const core = corePoolOf(pool);
  const instance = core === undefined ? undefined : instanceOfCorePool(core);
  if (core === undefined || instance === undefined) {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'pool',
          expected: 'a pool made by goneAwayMysql2(mysql2).createPool (callback or promise)',
          received:
            core === undefined ? 'something that is not a mysql2 pool' : 'a mysql2 pool without goneaway',
        },
      ],
    });
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`withTransactionRetry(pool, fn): fn must be a function, got ${typeof fn}.`);
  }
  const { commitMarker, ...retryOptions } = options ?? {};
  const settings = parseCommitMarkerOptions(commitMarker);
  const promiseImpl =
    core === (pool as unknown) ? undefined : ((pool as unknown as PromisePoolShell).Promise ?? Promise);
  // The held connection behind each handle fn gets, for the marker insert.
  const heldConnections = new WeakMap<object, CorePoolConnection>();

  const transaction = async (body: (handle: TransactionConnectionOf<P>) => Promise<T>): Promise<T> => {
    const connection = await instance.getConnection(core);
    const handle = (
      promiseImpl === undefined ? connection : connection.promise(promiseImpl)
    ) as TransactionConnectionOf<P>;
    heldConnections.set(handle, connection);
    try {
      await run(connection, 'START TRANSACTION');
      const result = await body(handle);
      await run(connection, 'COMMIT');
      return result;
    } catch (error) {
      if (!instance.isDead(connection)) await run(connection, 'ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      finish(instance, connection);
    }
  };

  if (settings === undefined) return runTransactionWithRetry(() => transaction(fn), retryOptions);
  const { marker, resolveTimeoutMs } = poolCommitMarker(core, settings);
  return runTransactionWithCommitMarker<TransactionConnectionOf<P>, T>(
    marker,
    {
      transaction,
      // The held connection's own query: inside the transaction, its failure typed like any statement's.
      connectionOf: (handle) =>
        markerConnectionOf(heldConnections.get(handle as object) as CorePoolConnection & CallbackQueryable),
      resolveTimeoutMs,
    },
    fn,
    retryOptions,
  );
}

function run(connection: CorePoolConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    connection.query(sql, (error: unknown) => (error ? reject(error) : resolve()));
  });
}

function finish(instance: Mysql2PoolInstance, connection: CorePoolConnection): void {
  if (instance.isDead(connection)) connection.destroy();
  else connection.release();
}
