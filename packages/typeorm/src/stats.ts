import type { GoneAwayListener, PoolStats } from '@goneaway/core';
import { stats as poolStats, subscribeTo as subscribeToPool } from '@goneaway/mysql2';
import { poolOfDataSource } from './data-source-pool.js';

/** Counters per event type, eviction reason and error kind, plus the pool's (core's PoolStats). */
export type TypeormGoneAwayStats = PoolStats;

/**
 * One snapshot of an initialized DataSource's counters: its mysql2 pool's (validation, evictions,
 * connects, packet rejections, and the statements goneaway ran again, for query runners too).
 */
export function stats(dataSource: unknown): TypeormGoneAwayStats {
  return poolStats(poolOfDataSource(dataSource, 'stats'));
}

/** Typed events of an initialized DataSource; returns the unsubscribe function. */
export function subscribeTo(dataSource: unknown, listener: GoneAwayListener): () => void {
  return subscribeToPool(poolOfDataSource(dataSource, 'subscribeTo'), listener);
}
