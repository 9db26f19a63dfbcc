import type { Classification } from '../classification/classification.js';
import type { GoneAwayError } from '../errors/goneaway-error.js';
import type { ConnectionLimits, ServerLimits } from '../limits/server-limits.js';

/** Told of each use of a connection: the validator of the pool that hands it out. */
export interface ConnectionUseObserver {
  /**
   * A use of `state` just ended well enough to mark it used (`now`, `wallNow`), before its
   * `lastUsedAt` moves: `lastUsedAt` is still when it was used before, `handedOutAt` when it was handed out.
   */
  connectionUsed(state: PooledConnectionState, now: number, wallNow: number): void;
}

/**
 * What goneaway knows about one connection (pooled, or a lone one a host library pools). Times are kept on both clocks: the
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
  /** When it was last handed out (monotonic), until its first use after that; NaN otherwise. */
  handedOutAt = Number.NaN;
  /** Set by the validator that hands it out: told of every use (markUsed). */
  observer: ConnectionUseObserver | undefined;
  /** Set once an error says the connection can not be used again. */
  unusable: Classification | undefined;
  /**
   * Inside a transaction its holder opened (BEGIN / START TRANSACTION, or a SET TRANSACTION for the
   * next one, seen; no COMMIT/ROLLBACK yet). Tracked by ConnectionPipeline.beforeStatement.
   */
  inTransaction = false;
  /**
   * Whether the statement beforeStatement last admitted runs inside a transaction: a BEGIN, the
   * statements after it, and the COMMIT or ROLLBACK that ends it do (a loss there loses the
   * transaction); the statement after that does not. Read right after beforeStatement.
   */
  statementInTransaction = false;
  /**
   * The session carries state its holder set (sessionStateEffect: SET, USE, GET_LOCK, a temporary
   * table…): a statement that loses it is never run on another session. For the session's life, not
   * one hold: the next holder may rely on it too (Kysely's onCreateConnection runs once per connection).
   */
  pinned = false;
  /** `host:port` the connection went to, when the pool routes to a cluster's writer (ConnectionPipeline.route). */
  host: string | undefined;
  /** Replication read-your-writes: the version of the writers' GTIDs this (reader) connection has waited for. */
  waitedForWrites = 0;
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
    const now = performance.now();
    const wallNow = Date.now();
    this.observer?.connectionUsed(this, now, wallNow);
    this.handedOutAt = Number.NaN;
    this.lastUsedAt = now;
    this.lastUsedWallAt = wallNow;
  }

  /** `now`/`wallNow`: both clocks read once by a caller that asks more than one question. */
  ageMs(now = performance.now(), wallNow = Date.now()): number {
    return Math.max(now - this.createdAt, wallNow - this.createdWallAt);
  }

  idleMs(now = performance.now(), wallNow = Date.now()): number {
    return Math.max(now - this.lastUsedAt, wallNow - this.lastUsedWallAt);
  }
}
