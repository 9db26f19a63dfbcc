import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import type { ConnectionDriver } from '../driver/connection-driver.js';
import type { EvictionReason } from '../events/event-types.js';
import type { Policy } from '../policy/options.js';
import { connectionIsGone } from './connection-failure.js';
import { pingWithTimeout } from './ping-with-timeout.js';
import type { ConnectionUseObserver, PooledConnectionState } from './pooled-connection-state.js';
import { RoundTripEstimator } from './round-trip-estimator.js';
import { systemTimerClock, type TimerClock } from './timer-clock.js';
import { VouchingWindow } from './vouching-window.js';

/** The part of the driver contract the validator uses: liveness facts, a ping, destroy. */
export type ValidationDriver<C extends object> = Pick<ConnectionDriver<C>, 'isBroken' | 'ping' | 'destroy'>;

export type EvictConnection = (
  state: PooledConnectionState,
  reason: EvictionReason,
  classification?: Classification,
) => void;

/**
 * The check a pooled connection passes before it is handed out, shared by every adapter: dead or
 * unusable, past its lifetime or idle limit (on both clocks), idle since a ping timed out (the path
 * went silent: dropped without a ping), recently used or vouched for by a connection that sat idle at
 * least as long and has just worked (handed out without a ping, unless another connection was just
 * found dead), otherwise a ping whose timeout follows the pool's observed round trips.
 */
export class ConnectionValidator<C extends object> implements ConnectionUseObserver {
  /** Pings run (the bypass window and vouching keep this at 0 while the pool is busy). */
  validationPings = 0;
  /** The pool's round trips, which the ping timeout follows ('auto'). */
  readonly roundTrips = new RoundTripEstimator();
  /** Connections validated before this instant (monotonic) are pinged before being handed out again. */
  #revalidateBefore = Number.NEGATIVE_INFINITY;
  /**
   * Connections idle since before this instant are dropped without a ping: a ping that timed out
   * means the network path went silent (a NAT or a firewall forgot the flows), which takes every
   * connection that sat idle with it. Pinging each in turn would cost a ping timeout apiece.
   */
  #evictIdleBefore = Number.NEGATIVE_INFINITY;
  /**
   * Which idle connections the pool's recent round trips vouch for. A pool that hands out its least
   * recently used connection first (mariadb's is a FIFO queue) rotates through all of them, so under
   * steady load each sits idle N times longer than in a LIFO pool (tarn, mysql2) while the pool proves
   * the server reachable every few milliseconds: without vouching, each would be pinged.
   */
  readonly #vouching: VouchingWindow;

  constructor(
    private readonly policy: Pick<Policy, 'validation' | 'evictOnReadOnly'>,
    private readonly evict: EvictConnection,
    private readonly driver: ValidationDriver<C>,
    private readonly clock: TimerClock = systemTimerClock,
  ) {
    this.#vouching = new VouchingWindow(policy.validation.bypassWindowMs);
  }

  /** A connection this validator handed out was used (PooledConnectionState.markUsed). */
  connectionUsed(state: PooledConnectionState, now: number, wallNow: number): void {
    if (state.unusable) return;
    if (state.handedOutAt <= now) this.roundTrips.recordHold(now - state.handedOutAt);
    this.#vouching.prove(state.lastUsedAt, now, wallNow);
  }

  /**
   * A statement on this connection failed: remember whether the connection may be used again (a
   * read-only refusal leaves it working; evicting it, to reach the new primary after a failover, is
   * evictOnReadOnly's call), destroy it at once after a client-side statement timeout (mysql2 leaves
   * it pooled with the statement still running), and suspect the others when it is gone.
   */
  recordFailure(
    connection: C,
    state: PooledConnectionState | undefined,
    classification: Classification,
  ): void {
    if (classification.connection !== 'dispose') return;
    if (state && (classification.kind !== 'read-only' || this.policy.evictOnReadOnly)) {
      state.unusable ??= classification;
      // Reported now rather than at the next hand-out: an adapter that destroys a dead connection at
      // once (the mysql2 pool's, Prisma's) never shows it to validate() again.
      this.evict(state, evictionReasonOf(state.unusable), state.unusable);
    }
    if (classification.kind === 'statement-timeout') this.driver.destroy(connection);
    if (connectionIsGone(classification)) this.suspectOthers();
  }

  /** One connection was found dead: the others that sat in the pool with it may be too. */
  suspectOthers(): void {
    this.#revalidateBefore = performance.now();
    // What vouched for the others was seen before this: it no longer does.
    this.#vouching.forget();
  }

  /** A plain boolean unless a ping is due, so the happy path adds no promise. */
  validate(connection: C, state: PooledConnectionState): boolean | Promise<boolean> {
    if (state.unusable || this.driver.isBroken(connection)) {
      this.evict(state, evictionReasonOf(state.unusable), state.unusable);
      return false;
    }
    // Both clocks read once: this runs on every hand-out.
    const now = performance.now();
    const wallNow = Date.now();
    if (state.ageMs(now, wallNow) > state.limits.maxLifetimeMs) {
      this.evict(state, 'lifetime');
      return false;
    }
    const idleMs = state.idleMs(now, wallNow);
    if (idleMs > state.limits.idleLimitMs) {
      this.evict(state, 'idle-limit');
      return false;
    }
    if (state.lastUsedAt < this.#evictIdleBefore && state.validatedAt < this.#evictIdleBefore) {
      this.evict(state, 'revalidate');
      return false;
    }
    if (
      state.validatedAt >= this.#revalidateBefore &&
      (idleMs < this.policy.validation.bypassWindowMs ||
        this.#vouching.vouchesFor(state.lastUsedAt, now, wallNow))
    )
      return this.#handOut(state, now);
    return this.#ping(connection, state);
  }

  #handOut(state: PooledConnectionState, now: number): true {
    state.handedOutAt = now;
    state.observer = this;
    return true;
  }

  async #ping(connection: C, state: PooledConnectionState): Promise<boolean> {
    this.validationPings++;
    const timeoutMs = this.roundTrips.pingTimeoutMs(this.policy.validation.pingTimeoutMs);
    const outcome = await pingWithTimeout(this.driver, connection, timeoutMs, this.clock);
    if (outcome.ok) {
      this.roundTrips.recordPing(outcome.roundTripMs);
      const now = performance.now();
      state.validatedAt = now;
      if (now >= this.#revalidateBefore) this.#vouching.prove(state.lastUsedAt, now, Date.now());
      this.#handOut(state, now);
      return true;
    }
    // After an answer (an error) the others are pinged; after silence (a timeout) they are dropped.
    this.suspectOthers();
    if (outcome.timedOut) this.#evictIdleBefore = this.#revalidateBefore;
    state.unusable ??= outcome.timedOut ? undefined : classify(outcome.error);
    this.evict(state, outcome.timedOut ? 'ping-timeout' : 'ping-failed', state.unusable);
    return false;
  }
}

function evictionReasonOf(unusable: Classification | undefined): EvictionReason {
  return unusable?.kind === 'read-only' ? 'read-only' : 'error';
}
