import type { Classification } from '../classification/classification.js';
import type { HostState } from '../cluster/cluster-options.js';
import type { ConnectionLimits, ServerLimits } from '../limits/server-limits.js';

/** Why a connection was taken out of the pool. */
export type EvictionReason =
  | 'idle-limit'
  | 'lifetime'
  | 'ping-failed'
  | 'ping-timeout'
  | 'error'
  | 'revalidate'
  | 'read-only'
  | 'statement-timeout'
  | 'disposed'
  /** The connection goes to a host that is no longer the cluster's writer (the `cluster` option). */
  | 'writer-changed'
  /**
   * A reader pool's connection (`role: 'reader'`) goes to a host out of its rotation: a reader that is
   * lagging, down, desynced, non-primary or suspect, or the writer it fell back to once a reader is back.
   */
  | 'left-rotation';

interface EventBase {
  /** The `name` option of the instance that emitted it. */
  readonly source: string;
  /** `Date.now()` when it happened. */
  readonly time: number;
}

export interface EvictedEvent extends EventBase {
  readonly type: 'evicted';
  readonly reason: EvictionReason;
  readonly connectionId: number | undefined;
  readonly ageMs: number | undefined;
  readonly idleMs: number | undefined;
  readonly classification: Classification | undefined;
}
export interface RetryEvent extends EventBase {
  readonly type: 'retry';
  readonly attempt: number;
  readonly delayMs: number;
  readonly elapsedMs: number;
  readonly classification: Classification;
  /** SQL shape only (literals replaced, truncated): never values. */
  readonly statement: string | undefined;
}
export interface ReconnectedEvent extends EventBase {
  readonly type: 'reconnected';
  readonly attempts: number;
  readonly outageMs: number;
}
export interface CircuitOpenEvent extends EventBase {
  readonly type: 'circuit-open';
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly classification: Classification | undefined;
}
export interface CircuitClosedEvent extends EventBase {
  readonly type: 'circuit-closed';
  readonly openMs: number;
}
export interface PacketRejectedEvent extends EventBase {
  readonly type: 'packet-rejected';
  readonly packetBytes: number;
  readonly maxAllowedPacket: number;
  readonly statement: string | undefined;
}
export interface LimitsDiscoveredEvent extends EventBase {
  readonly type: 'limits-discovered';
  readonly limits: ServerLimits;
  readonly derived: ConnectionLimits;
}
export interface LimitCappedEvent extends EventBase {
  readonly type: 'limit-capped';
  readonly option: 'idleLimitMs' | 'maxLifetimeMs';
  readonly requestedMs: number;
  readonly cappedMs: number;
  readonly waitTimeoutSeconds: number;
}
export interface CommitResolvedEvent extends EventBase {
  readonly type: 'commit-resolved';
  readonly outcome: 'committed' | 'rolled-back';
  readonly elapsedMs: number;
}

/** A cluster host changed state (cluster monitor). `host` is `host:port`; `reason` holds no driver message. */
export interface HostStateChangedEvent extends EventBase {
  readonly type: 'host-state-changed';
  readonly host: string;
  readonly from: HostState;
  readonly to: HostState;
  readonly reason: string;
}
/** The cluster's writer changed (`undefined`: no writer for now). */
export interface WriterChangedEvent extends EventBase {
  readonly type: 'writer-changed';
  readonly from: string | undefined;
  readonly to: string | undefined;
}
/** Two or more hosts of a replication cluster are writable: none is used as the writer until one is left. */
export interface SplitBrainEvent extends EventBase {
  readonly type: 'split-brain';
  readonly hosts: readonly string[];
}

export type GoneAwayEvent =
  | EvictedEvent
  | RetryEvent
  | ReconnectedEvent
  | CircuitOpenEvent
  | CircuitClosedEvent
  | PacketRejectedEvent
  | LimitsDiscoveredEvent
  | LimitCappedEvent
  | CommitResolvedEvent
  | HostStateChangedEvent
  | WriterChangedEvent
  | SplitBrainEvent;

export type GoneAwayEventType = GoneAwayEvent['type'];
export type GoneAwayListener = (event: GoneAwayEvent) => void;

// Record literals must name every member exactly once: a new event type or reason fails to compile here.
const EVENT_TYPE_PRESENCE: Readonly<Record<GoneAwayEventType, true>> = {
  evicted: true,
  retry: true,
  reconnected: true,
  'circuit-open': true,
  'circuit-closed': true,
  'packet-rejected': true,
  'limits-discovered': true,
  'limit-capped': true,
  'commit-resolved': true,
  'host-state-changed': true,
  'writer-changed': true,
  'split-brain': true,
};
const EVICTION_REASON_PRESENCE: Readonly<Record<EvictionReason, true>> = {
  'idle-limit': true,
  lifetime: true,
  'ping-failed': true,
  'ping-timeout': true,
  error: true,
  revalidate: true,
  'read-only': true,
  'statement-timeout': true,
  disposed: true,
  'writer-changed': true,
  'left-rotation': true,
};

/** Every event type, for counters and exhaustive tests. */
export const GONEAWAY_EVENT_TYPES: readonly GoneAwayEventType[] = Object.freeze(
  Object.keys(EVENT_TYPE_PRESENCE) as GoneAwayEventType[],
);
/** Every eviction reason, for counters and exhaustive tests. */
export const EVICTION_REASONS: readonly EvictionReason[] = Object.freeze(
  Object.keys(EVICTION_REASON_PRESENCE) as EvictionReason[],
);

/** An event as an emitter passes it to `EventHub.emit`: the hub adds `source` and `time`. */
export type GoneAwayEventInput = GoneAwayEvent extends infer E
  ? E extends unknown
    ? Omit<E, 'source' | 'time'>
    : never
  : never;
