import { GoneAwayConfigError, runTransactionWithRetry, type TransactionRetryOptions } from '@goneaway/core';
import { type CorePoolConnection, corePoolOf, type PromisePoolShell } from './mysql2-internals.js';
import type { Mysql2PoolInstance } from './pool-instance.js';
import { instanceOfCorePool } from './wrap-pool.js';

export type WithTransactionRetryOptions<T> = TransactionRetryOptions<T>;

/**
 * Runs `fn(connection)` inside a transaction on a connection of `pool`'s own kind (a promise
 * connection for a promise pool), commits and releases it, and runs the whole transaction again, on
 * a fresh connection, after `GONEAWAY_TRANSACTION_LOST` (the server rolled it back) or a deadlock,
 * up to a limit with backoff. `fn` must be safe to run again from the start.
 */
export function withTransactionRetry<C = unknown, T = unknown>(
  pool: unknown,
  fn: (connection: C) => Promise<T>,
  options?: WithTransactionRetryOptions<T>,
): Promise<T> {
  const core = corePoolOf(pool);
  const instance = core === undefined ? undefined : instanceOfCorePool(core);
  if (core === undefined || instance === undefined) {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'pool',
          expected: 'a pool made by wrapMysql2(mysql2).createPool (callback or promise)',
          received:
            core === undefined ? 'something that is not a mysql2 pool' : 'a mysql2 pool without goneaway',
        },
      ],
    });
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`withTransactionRetry(pool, fn): fn must be a function, got ${typeof fn}.`);
  }
  const promiseImpl = core === pool ? undefined : ((pool as PromisePoolShell).Promise ?? Promise);
  return runTransactionWithRetry(async () => {
    const connection = await instance.getConnection(core);
    const handle = (promiseImpl === undefined ? connection : connection.promise(promiseImpl)) as C;
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
