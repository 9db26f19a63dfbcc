import type { GoneAwayListener, PoolStats } from '@goneaway/core';
import type { Knex } from 'knex';
import { instanceOfClient } from './goneaway-client.js';
import type { KnexPluginInstance } from './plugin-instance.js';

function instanceOf(db: Knex, caller: string): KnexPluginInstance {
  const instance = instanceOfClient((db as { client?: unknown } | undefined)?.client);
  if (!instance) {
    throw new TypeError(`${caller}(db): db is not a knex instance created with knex(goneAway(config)).`);
  }
  return instance;
}

/** Counters of one knex instance per event type, eviction reason and error kind, plus its pool's (core's PoolStats). */
export type KnexGoneAwayStats = PoolStats;

export function stats(db: Knex): KnexGoneAwayStats {
  return instanceOf(db, 'stats').stats();
}

/** Typed events of one knex instance; returns the unsubscribe function. */
export function subscribeTo(db: Knex, listener: GoneAwayListener): () => void {
  return instanceOf(db, 'subscribeTo').hub.subscribe(listener);
}
