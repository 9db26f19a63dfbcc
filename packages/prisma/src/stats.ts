import type { GoneAwayListener, PoolStats } from '@goneaway/core';
import type { PrismaGoneawayInstance } from './pool-instance.js';
import { instances } from './with-goneaway.js';

function instanceOf(adapter: unknown, caller: string): PrismaGoneawayInstance {
  const instance = typeof adapter === 'object' && adapter !== null ? instances.get(adapter) : undefined;
  if (instance === undefined) {
    throw new TypeError(`${caller}(adapter): adapter is not a factory made by goneAwayPrisma().`);
  }
  return instance;
}

/** Counters per event type, eviction reason and error kind, plus validation pings and connect attempts. */
export type PrismaGoneAwayStats = PoolStats;

/** `stats(adapter)`: the counters of the factory goneAwayPrisma() returned. */
export function stats(adapter: unknown): PrismaGoneAwayStats {
  return instanceOf(adapter, 'stats').pipeline.stats();
}

/** Typed events of one goneAwayPrisma() factory; returns the unsubscribe function. */
export function subscribeTo(adapter: unknown, listener: GoneAwayListener): () => void {
  return instanceOf(adapter, 'subscribeTo').hub.subscribe(listener);
}
