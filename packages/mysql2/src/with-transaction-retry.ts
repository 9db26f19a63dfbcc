import { GoneAwayConfigError, runTransactionWithRetry, type TransactionRetryOptions } from '@goneaway/core';
import type { Pool as CallbackPool, PoolConnection as CallbackPoolConnection } from 'mysql2';
import type { Pool as PromisePool, PoolConnection as PromisePoolConnection } from 'mysql2/promise';
import { type CorePoolConnection, corePoolOf, type PromisePoolShell } from './mysql2-internals.js';
import type { Mysql2PoolInstance } from './pool-instance.js';
import { instanceOfCorePool } from './wrap-pool.js';

export type WithTransactionRetryOptions<T> = TransactionRetryOptions<T>;

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
 * up to a limit with backoff. `fn` must be safe to run again from the start.
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
  const promiseImpl =
    core === (pool as unknown) ? undefined : ((pool as unknown as PromisePoolShell).Promise ?? Promise);
  return runTransactionWithRetry(async () => {
    const connection = await instance.getConnection(core);
    const handle = (
      promiseImpl === undefined ? connection : connection.promise(promiseImpl)
    ) as TransactionConnectionOf<P>;
    try {
      await run(connection, 'START TRANSACTION');
      const result = await fn(handle);
      await run(connection, 'COMMIT');
      return result;
    } catch (error) {
      if (!instance.isDead(connection)) await run(connection, 'ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      finish(instance, connection);
    }
  }, options);
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
