import type { Classification } from '../classification/classification.js';
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
  | 'disposed';

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

export type GoneAwayEvent =
  | EvictedEvent
  | RetryEvent
  | ReconnectedEvent
  | CircuitOpenEvent
  | CircuitClosedEvent
  | PacketRejectedEvent
  | LimitsDiscoveredEvent
  | LimitCappedEvent
  | CommitResolvedEvent;

export type GoneAwayEventType = GoneAwayEvent['type'];
export type GoneAwayListener = (event: GoneAwayEvent) => void;
