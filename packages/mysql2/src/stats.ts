import type { GoneAwayListener, PoolStats } from '@goneaway/core';
import { type CorePoolConnection, corePoolOf } from './mysql2-internals.js';
import type { Mysql2PoolInstance } from './pool-instance.js';
import { adoptedConnections } from './wrap-mysql2.js';
import { instanceOfCorePool } from './wrap-pool.js';

function instanceOf(pool: unknown, caller: string): Mysql2PoolInstance {
  const core = corePoolOf(pool);
  // A lone connection: mysql2's own, or a promise connection around it.
  const connection = (pool as { connection?: object } | null | undefined)?.connection ?? pool;
  const instance =
    core === undefined ? adoptedConnections.get(connection as CorePoolConnection) : instanceOfCorePool(core);
  if (instance === undefined) {
    throw new TypeError(
      `${caller}(pool): pool is not a pool or connection made by goneAwayMysql2(mysql2).createPool/createConnection.`,
    );
  }
  return instance;
}

/** Counters per event type, eviction reason and error kind, plus the pool's (core's PoolStats). */
export type Mysql2GoneAwayStats = PoolStats;

export function stats(pool: unknown): Mysql2GoneAwayStats {
  return instanceOf(pool, 'stats').pipeline.stats();
}

/** Typed events of one wrapped pool; returns the unsubscribe function. */
export function subscribeTo(pool: unknown, listener: GoneAwayListener): () => void {
  return instanceOf(pool, 'subscribeTo').hub.subscribe(listener);
}
