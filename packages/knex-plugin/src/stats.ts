import type { GoneAwayListener, GoneAwayStats } from '@goneaway/core';
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

/** Counters per event type, eviction reason and error kind for this knex instance (a plain object). */
export interface KnexGoneAwayStats extends GoneAwayStats {
  /** Validation pings run on acquire (0 while the pool is busy: the bypass window skips them). */
  readonly validationPings: number;
  /** Connect attempts made through the single-flight gate, and callers that shared one instead. */
  readonly connectAttempts: number;
  readonly sharedConnectWaits: number;
}

export function stats(db: Knex): KnexGoneAwayStats {
  const instance = instanceOf(db, 'stats');
  const gate = instance.gate.stats();
  return {
    ...instance.hub.stats(),
    validationPings: instance.validator.validationPings,
    connectAttempts: gate.attempts,
    sharedConnectWaits: gate.sharedWaits,
  };
}

/** Typed events of one knex instance; returns the unsubscribe function. */
export function subscribeTo(db: Knex, listener: GoneAwayListener): () => void {
  return instanceOf(db, 'subscribeTo').hub.subscribe(listener);
}
