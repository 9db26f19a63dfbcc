import type { GoneAwayOptions } from '@goneaway/core';
import { goneAwayMysql2 } from '@goneaway/mysql2';
import { isInternalAcquireCallback } from '@goneaway/mysql2/adapter';
import { ConnectionLease, type LeasedConnection } from './connection-lease.js';
import { registerGoneAwayPool } from './register-goneaway-pool.js';

/** What goneaway needs of the callback `mysql2` module TypeORM is given as its `driver`. */
export interface Mysql2CallbackModule {
  createPool(config: never): unknown;
}

interface TypeormPool {
  getConnection(callback: (error: unknown, connection?: unknown) => void): void;
}

/** Modules made here, so a second goneAwayTypeorm over the same options is recognised. */
const driverModules = new WeakSet<object>();

export function isGoneAwayTypeormDriver(value: unknown): boolean {
  return typeof value === 'object' && value !== null && driverModules.has(value);
}

/**
 * The module TypeORM gets as `driver`: `goneAwayMysql2(mysql2, options)` (whose pools validate, retry
 * pooled calls, guard packets, type held connections' failures and run a statement that lost a held
 * connection again on a fresh one when its session allows it), with `createPool` handing TypeORM's
 * query runners a ConnectionLease (a thin promise() and errors without bound values) over the
 * wrapped pool's connection.
 */
export function createTypeormDriver(
  mysql2: Mysql2CallbackModule,
  options: GoneAwayOptions | undefined,
): object {
  const wrapped = goneAwayMysql2(mysql2, options);
  const createPool = (config: unknown): unknown => {
    const pool = (wrapped.createPool as (config: unknown) => TypeormPool)(config);
    registerGoneAwayPool(pool);
    // The wrapped pool's own getConnection: validated, an outage waited out within the budget.
    const getConnection = pool.getConnection.bind(pool);
    Object.assign(pool, {
      getConnection: (callback: (error: unknown, connection?: unknown) => void) => {
        // mysql2 hands goneaway's own queued acquire back through this method after a connection left
        // the pool: it takes mysql2's PoolConnection, not a lease.
        if (isInternalAcquireCallback(callback)) return getConnection(callback);
        getConnection((error, connection) => {
          if (error || connection === undefined) callback(error);
          else callback(null, new ConnectionLease(connection as LeasedConnection));
        });
      },
    });
    return pool;
  };
  const driver = { ...wrapped, createPool };
  driverModules.add(driver);
  return driver;
}
