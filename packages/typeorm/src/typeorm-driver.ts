import type { GoneAwayOptions, Policy } from '@goneaway/core';
import { wrapMysql2 } from '@goneaway/mysql2';
import { ConnectionLease, type LeasedConnection } from './connection-lease.js';
import { registerPoolState, TypeormPoolState } from './typeorm-pool-state.js';

/** What goneaway needs of the callback `mysql2` module TypeORM is given as its `driver`. */
export interface Mysql2CallbackModule {
  createPool(config: never): unknown;
}

interface TypeormPool {
  getConnection(callback: (error: unknown, connection?: unknown) => void): void;
  end(callback?: (error?: unknown) => void): unknown;
}

/** Modules made here, so a second goneAwayTypeorm over the same options is recognised. */
const driverModules = new WeakSet<object>();

export function isGoneAwayTypeormDriver(value: unknown): boolean {
  return typeof value === 'object' && value !== null && driverModules.has(value);
}

/**
 * The module TypeORM gets as `driver`: `wrapMysql2(mysql2, options)` (whose pools validate, retry
 * pooled calls, guard packets and type held connections' failures), with `createPool` handing
 * TypeORM's query runners a ConnectionLease instead of the bare connection, so a statement whose
 * connection died outside a transaction can run again on a fresh one.
 */
export function createTypeormDriver(
  mysql2: Mysql2CallbackModule,
  options: GoneAwayOptions | undefined,
  policy: Policy,
): object {
  const wrapped = wrapMysql2(mysql2, options);
  const createPool = (config: unknown): unknown => {
    const pool = (wrapped.createPool as (config: unknown) => TypeormPool)(config);
    const state = new TypeormPoolState(policy);
    registerPoolState(pool, state);
    // The wrapped pool's own getConnection: validated, an outage waited out within the budget.
    const getConnection = pool.getConnection.bind(pool);
    const end = pool.end.bind(pool);
    const acquire = (): Promise<LeasedConnection> =>
      new Promise((resolve, reject) => {
        getConnection((error, connection) =>
          error || connection === undefined ? reject(error) : resolve(connection as LeasedConnection),
        );
      });
    Object.assign(pool, {
      getConnection: (callback: (error: unknown, connection?: unknown) => void) => {
        getConnection((error, connection) => {
          if (error || connection === undefined) callback(error);
          else callback(null, new ConnectionLease(connection as LeasedConnection, state, acquire));
        });
      },
      end: (callback?: (error?: unknown) => void) => {
        // Statements still waiting out an outage end now instead of holding the process open.
        state.destroy();
        return end(callback);
      },
    });
    return pool;
  };
  const driver = { ...wrapped, createPool };
  driverModules.add(driver);
  return driver;
}
