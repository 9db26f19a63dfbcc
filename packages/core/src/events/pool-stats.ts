import type { HostState } from '../cluster/cluster-options.js';
import type { ConnectionValidator } from '../connections/connection-validator.js';
import type { ReconnectGate } from '../retry/reconnect-gate.js';
import type { EventHub, GoneAwayStats } from './event-hub.js';

/** An adapter's counters: the hub's per event type, eviction reason and error kind, plus its pool's. */
export interface PoolStats extends GoneAwayStats {
  /** Validation pings run on acquire (0 while the pool is busy: the bypass window skips them). */
  readonly validationPings: number;
  /** Connect attempts made through the single-flight gate, and callers that shared one instead. */
  readonly connectAttempts: number;
  readonly sharedConnectWaits: number;
  /** With the `cluster` option: the writer this pool follows and every host's state, now. */
  readonly cluster?: ClusterStats;
}

/** A pool's view of its cluster (the `cluster` option), from the shared monitor. */
export interface ClusterStats {
  /** `'reader'` for a reader pool (`role: 'reader'`), else `'writer'`. */
  readonly role: 'writer' | 'reader';
  /**
   * `host:port` of each host this pool's new connections go to now: the writer for a writer pool; the
   * readers in rotation for a reader pool, or the writer when it falls back to it (empty: none for now).
   */
  readonly targets: readonly string[];
  /** `host:port` of the writer new connections go to; undefined while there is none (a failover under way). */
  readonly writer: string | undefined;
  readonly hosts: readonly ClusterHostStats[];
}

export interface ClusterHostStats {
  /** `host:port`. */
  readonly host: string;
  readonly state: HostState;
  /** Why it is in that state: words and numbers, never a driver message. */
  readonly reason: string;
  readonly writer: boolean;
  /** Probes that failed in a row (0 after a success). */
  readonly failedProbes: number;
}

/** One snapshot of an adapter's counters (a plain object, ready for prom-client or OpenTelemetry). */
export function poolStats(parts: {
  readonly hub: EventHub;
  readonly gate: ReconnectGate;
  readonly validator: Pick<ConnectionValidator<object>, 'validationPings'>;
}): PoolStats {
  const gate = parts.gate.stats();
  return {
    ...parts.hub.stats(),
    validationPings: parts.validator.validationPings,
    connectAttempts: gate.attempts,
    sharedConnectWaits: gate.sharedWaits,
  };
}
