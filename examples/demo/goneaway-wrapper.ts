import type { Knex } from 'knex';
import type { ConfigWrapper } from './sides.js';

/** What goneaway did behind the application's back, summed over a side's knex instances. */
export interface PluginActivity {
  readonly retries: number;
  readonly evictions: Readonly<Record<string, number>>;
  readonly packetsRejected: number;
  readonly connectAttempts: number;
}

export interface GoneAwayPlugin {
  readonly wrap: ConfigWrapper | undefined;
  /** Why the goneaway side cannot run, when it cannot. */
  readonly unavailable: string | undefined;
  readonly activity: ((instances: readonly Knex[]) => PluginActivity) | undefined;
}

interface PluginStats {
  readonly retries: number;
  readonly evictions: Readonly<Record<string, number>>;
  readonly events: Readonly<Record<string, number>>;
  readonly connectAttempts?: number;
}

/**
 * The goneaway side: `goneAway(config)` with default options. While the plugin cannot be loaded the
 * goneaway rows fail with the reason: the demo never fakes them.
 */
export async function loadGoneAwayPlugin(): Promise<GoneAwayPlugin> {
  let plugin: Record<string, unknown>;
  try {
    plugin = (await import('@goneaway/knex')) as unknown as Record<string, unknown>;
  } catch (error) {
    return {
      wrap: undefined,
      unavailable: `@goneaway/knex failed to load: ${(error as Error).message}`,
      activity: undefined,
    };
  }
  const { goneAway, stats } = plugin;
  if (typeof goneAway !== 'function') {
    return { wrap: undefined, unavailable: '@goneaway/knex does not export goneAway()', activity: undefined };
  }
  const activity =
    typeof stats === 'function'
      ? (instances: readonly Knex[]): PluginActivity => {
          const evictions: Record<string, number> = {};
          let retries = 0;
          let packetsRejected = 0;
          let connectAttempts = 0;
          for (const db of instances) {
            const counters = stats(db) as PluginStats;
            retries += counters.retries;
            packetsRejected += counters.events['packet-rejected'] ?? 0;
            connectAttempts += counters.connectAttempts ?? 0;
            for (const [reason, count] of Object.entries(counters.evictions)) {
              if (count > 0) evictions[reason] = (evictions[reason] ?? 0) + count;
            }
          }
          return { retries, evictions, packetsRejected, connectAttempts };
        }
      : undefined;
  return { wrap: (config) => goneAway(config) as Knex.Config, unavailable: undefined, activity };
}
