import type { GoneAwayListener, PoolStats } from '@goneaway/core';
import { stats as poolStats, subscribeTo as subscribeToPool } from '@goneaway/mysql2';
import { poolOfDataSource } from './data-source-pool.js';

/** Counters per event type, eviction reason and error kind, plus the pool's (core's PoolStats). */
export type TypeormGoneAwayStats = PoolStats;

function sum<K extends string>(
  a: Readonly<Record<K, number>>,
  b: Readonly<Record<K, number>>,
): Record<K, number> {
  const total = { ...a } as Record<K, number>;
  for (const key of Object.keys(b) as K[]) total[key] = (total[key] ?? 0) + b[key];
  return total;
}

/**
 * One snapshot of an initialized DataSource's counters: its mysql2 pool's (validation, evictions,
 * connects, packet rejections) and the statements goneaway ran again for its query runners.
 */
export function stats(dataSource: unknown): TypeormGoneAwayStats {
  const { pool, state } = poolOfDataSource(dataSource, 'stats');
  const own = poolStats(pool);
  const reruns = state.hub.stats();
  return {
    ...own,
    events: sum(own.events, reruns.events),
    evictions: sum(own.evictions, reruns.evictions),
    kinds: sum(own.kinds, reruns.kinds),
    retries: own.retries + reruns.retries,
    listenerErrors: own.listenerErrors + reruns.listenerErrors,
  };
}

/** Typed events of an initialized DataSource; returns the unsubscribe function. */
export function subscribeTo(dataSource: unknown, listener: GoneAwayListener): () => void {
  const { pool, state } = poolOfDataSource(dataSource, 'subscribeTo');
  const unsubscribePool = subscribeToPool(pool, listener);
  const unsubscribeReruns = state.hub.subscribe(listener);
  return () => {
    unsubscribePool();
    unsubscribeReruns();
  };
}
