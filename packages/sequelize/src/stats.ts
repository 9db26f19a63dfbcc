import type { GoneAwayListener, PoolStats } from '@goneaway/core';
import { goneAwayOfSequelize, type SequelizeGoneAway } from './sequelize-goneaway.js';

/** Counters per event type, eviction reason and error kind, plus the pool's (core's PoolStats). */
export type SequelizeGoneAwayStats = PoolStats;

function goneAwayOf(sequelize: unknown, caller: string): SequelizeGoneAway {
  const goneaway = goneAwayOfSequelize(sequelize);
  if (goneaway === undefined) {
    throw new TypeError(
      `${caller}(sequelize): sequelize is not a Sequelize instance made with new Sequelize(goneAwaySequelize(options)).`,
    );
  }
  return goneaway;
}

/**
 * One snapshot of a Sequelize instance's counters: evictions (idle limit, KILLs, pings, read-only),
 * connects through the reconnect gate, validation pings, packet rejections and the statements run
 * again. Instances made from the same goneAwaySequelize(options) result share them.
 */
export function stats(sequelize: unknown): SequelizeGoneAwayStats {
  return goneAwayOf(sequelize, 'stats').runtime.pipeline.stats();
}

/** Typed events of a Sequelize instance; returns the unsubscribe function. */
export function subscribeTo(sequelize: unknown, listener: GoneAwayListener): () => void {
  return goneAwayOf(sequelize, 'subscribeTo').runtime.pipeline.hub.subscribe(listener);
}
