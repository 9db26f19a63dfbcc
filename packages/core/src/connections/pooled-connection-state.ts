import type { Classification } from '../classification/classification.js';
import type { GoneAwayError } from '../errors/goneaway-error.js';
import type { ConnectionLimits, ServerLimits } from '../limits/server-limits.js';

/**
 * What goneaway knows about one pooled mysql2 connection. Times are kept on both clocks: the
 * monotonic one (immune to wall-clock jumps) and the wall clock (which, unlike CLOCK_MONOTONIC,
 * advances while a laptop sleeps or a serverless sandbox is frozen). Limits are checked against
 * the larger of the two, so a frozen process cannot hand out a connection the server already closed.
 */
export class PooledConnectionState {
  readonly createdAt = performance.now();
  readonly createdWallAt = Date.now();
  lastUsedAt = this.createdAt;
  lastUsedWallAt = this.createdWallAt;
  /** When a ping last proved the connection alive (monotonic), or when it was created. */
  validatedAt = this.createdAt;
  /** Set once an error says the connection can not be used again. */
  unusable: Classification | undefined;
  /** Set when the connection died inside a transaction: every later statement of it fails with this. */
  transactionLost: GoneAwayError | undefined;
  /** Set when goneaway closed the idle connection itself, before the server's limit. */
  retired: 'idle-limit' | 'lifetime' | undefined;
  evictionReported = false;

  constructor(
    readonly connectionId: number | undefined,
    readonly serverLimits: ServerLimits,
    readonly limits: ConnectionLimits,
  ) {}

  markUsed(): void {
    this.lastUsedAt = performance.now();
    this.lastUsedWallAt = Date.now();
  }

  /** `now`/`wallNow`: both clocks read once by a caller that asks more than one question. */
  ageMs(now = performance.now(), wallNow = Date.now()): number {
    return Math.max(now - this.createdAt, wallNow - this.createdWallAt);
  }

  idleMs(now = performance.now(), wallNow = Date.now()): number {
    return Math.max(now - this.lastUsedAt, wallNow - this.lastUsedWallAt);
  }
}
