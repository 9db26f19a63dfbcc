import { goneAway, stats } from '@goneaway/knex';
import knex, { type Knex } from 'knex';
import type { Side } from './benchmark.js';

export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** A knex instance plus the warnings knex printed (counted, not printed: they would break the tables). */
export interface BenchKnex {
  readonly side: Side;
  readonly db: Knex;
  /** knex's own logger lines ("Connection Error: …", "Acquire connection error: …"). */
  readonly noise: string[];
  destroy(): Promise<void>;
}

/**
 * What a typical service writes (`{ client: 'mysql2', connection, pool }`), bare or wrapped with
 * `goneAway()` and its default options: the two sides differ by that call only.
 */
export function makeKnex(side: Side, connection: ConnectionSettings, pool?: Knex.PoolConfig): BenchKnex {
  const noise: string[] = [];
  const record = (message: unknown) => {
    noise.push(String(message).slice(0, 300));
  };
  const config: Knex.Config = {
    client: 'mysql2',
    connection: { ...connection },
    ...(pool ? { pool: { ...pool } } : {}),
    log: { warn: record, error: record, deprecate: () => undefined, debug: () => undefined },
  };
  const db = knex(side === 'goneaway' ? goneAway(config) : config);
  let destroyed = false;
  return {
    side,
    db,
    noise,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await db.destroy();
    },
  };
}

export interface PluginCounters {
  readonly validationPings: number;
  readonly connectAttempts: number;
  readonly sharedConnectWaits: number;
  readonly retries: number;
  readonly evictions: number;
  readonly events: number;
}

const NO_COUNTERS: PluginCounters = Object.freeze({
  validationPings: 0,
  connectAttempts: 0,
  sharedConnectWaits: 0,
  retries: 0,
  evictions: 0,
  events: 0,
});

/** goneaway's own counters (zeros for bare knex, which has none). */
export function pluginCounters(bench: BenchKnex): PluginCounters {
  if (bench.side === 'bare') return NO_COUNTERS;
  const counters = stats(bench.db);
  return {
    validationPings: counters.validationPings,
    connectAttempts: counters.connectAttempts,
    sharedConnectWaits: counters.sharedConnectWaits,
    retries: counters.retries,
    evictions: sum(counters.evictions),
    events: sum(counters.events),
  };
}

function sum(counts: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const value of Object.values(counts)) total += value;
  return total;
}

export function diffCounters(after: PluginCounters, before: PluginCounters): PluginCounters {
  return {
    validationPings: after.validationPings - before.validationPings,
    connectAttempts: after.connectAttempts - before.connectAttempts,
    sharedConnectWaits: after.sharedConnectWaits - before.sharedConnectWaits,
    retries: after.retries - before.retries,
    evictions: after.evictions - before.evictions,
    events: after.events - before.events,
  };
}
