import { goneAway, stats } from '@goneaway/knex';
import type { Knex } from 'knex';

/** The goneaway side's whole difference: the application's config goes through goneAway(), default options. */
export function withGoneAway(config: Knex.Config): Knex.Config {
  return goneAway(config);
}

/** What goneaway did behind the application's back, summed over a side's knex instances. */
export interface PluginActivity {
  readonly retries: number;
  /** Evicted connections per reason (idle-limit, ping-timeout, read-only, …). */
  readonly evictions: Readonly<Record<string, number>>;
  readonly packetsRejected: number;
  /** Connects made through the single-flight gate while the server was unreachable. */
  readonly connectAttempts: number;
}

export function pluginActivity(instances: readonly Knex[]): PluginActivity {
  const evictions: Record<string, number> = {};
  let retries = 0;
  let packetsRejected = 0;
  let connectAttempts = 0;
  for (const db of instances) {
    const counters = stats(db);
    retries += counters.retries;
    packetsRejected += counters.events['packet-rejected'];
    connectAttempts += counters.connectAttempts;
    for (const [reason, count] of Object.entries(counters.evictions)) {
      if (count > 0) evictions[reason] = (evictions[reason] ?? 0) + count;
    }
  }
  return { retries, evictions, packetsRejected, connectAttempts };
}
