import { setMaxListeners } from 'node:events';
import { halfJitterGenerator } from 'cockatiel';
import type { Policy } from '../policy/options.js';
import { invoke, raceAbort, sleep } from './abortable.js';
import { BackoffSchedule } from './backoff-schedule.js';
import { connectCutOffAt, connectCutOffError } from './connect-cut-off.js';

/**
 * While the server is down, the gate's attempts are the only connects made, and every waiting query
 * proceeds as soon as one succeeds: their spacing is how long the application waits after the server
 * is back. A refused TCP connect costs next to nothing, so they are spaced more tightly than
 * statement retries: exponential from backoff.initialDelayMs up to 200 ms, half jitter (each slot
 * in [d/2, d)) so processes restarted together still spread out. A 2 s outage costs about 12
 * attempts and the first query runs on average within about 75 ms of the server accepting again.
 */
export const RECONNECT_PROBE_CEILING_MS = 200;

function reconnectBackoff(backoff: Policy['backoff']): Policy['backoff'] {
  const maxDelayMs = Math.min(backoff.maxDelayMs, RECONNECT_PROBE_CEILING_MS);
  return { initialDelayMs: Math.min(backoff.initialDelayMs, maxDelayMs), maxDelayMs };
}

export interface ReconnectGateStats {
  /** Connect functions actually called. */
  readonly attempts: number;
  /** Callers that waited for another caller's attempt instead of making their own. */
  readonly sharedWaits: number;
  readonly failures: number;
  readonly state: 'up' | 'down';
}

export interface GateConnectOptions<T = unknown> {
  /** Bounds the wait for a slot or for a shared attempt (not the caller's own connect). */
  readonly signal?: AbortSignal;
  /**
   * When the caller's outage budget ends (the gate's clock, performance.now() by default;
   * AttemptContext's `deadline`). A next slot later than that is not waited for: the call fails at
   * once with the last connect error. A connect in flight (the caller's own, or one it shares) is
   * waited for until connectCutOffAt(deadline, when the wait began), then the call fails with the last
   * connect error, or connectCutOffError(target) when none failed yet; the connect itself runs on
   * to the driver's connect timeout, and a connection it brings after that goes to `abandon`.
   * Undefined: every wait lasts as long as the connect does.
   */
  readonly deadline?: number | undefined;
  /** A connection made after its caller stopped waiting (see `deadline`): give it back to the pool or close it. */
  readonly abandon?: (value: T) => void;
  /** Where the connect goes ("127.0.0.1:3306"), named in the error of a connect cut off before any failed. */
  readonly target?: string | undefined;
}

export interface ReconnectGateOptions {
  /** Monotonic milliseconds; injectable for tests. */
  readonly now?: () => number;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * Single-flight connecting while the server is down.
 *
 * Up (the last connect succeeded): every `connect` runs at once and in parallel, so a healthy pool
 * opens N connections together. A failure marks the server down.
 *
 * Down: at most one connect attempt is in flight, and attempts are spaced by the reconnect schedule
 * (exponential, half jitter, capped at RECONNECT_PROBE_CEILING_MS). A caller that arrives while an attempt is
 * in flight shares it: if it fails, every sharer gets that failure; if it succeeds, its caller keeps
 * the connection, the server is up again, and each sharer connects on its own, in parallel. A caller
 * that arrives between attempts waits for the next slot (at most RECONNECT_PROBE_CEILING_MS), bounded by its signal.
 *
 * A caller with a deadline (its outage budget's end) never waits past it for long: not for a slot,
 * not for a shared attempt, not for its own connect (see GateConnectOptions.deadline). That is what
 * keeps a host that accepts TCP and never greets from holding a call for a whole connect timeout.
 *
 * The gate never retries by itself: the caller's retry loop (RetryEngine, or tarn re-creating for
 * the pending acquires) calls again, and the gate decides whether that call connects, waits or shares.
 * This is what keeps a restart that takes 2 s at about ten connect attempts, however many queries
 * wait. It holds no timer of its own: waiting callers hold theirs, and abort/destroy clears them.
 */
export class ReconnectGate {
  readonly #schedule: BackoffSchedule;
  readonly #now: () => number;
  readonly #destroyed = new AbortController();
  #down = false;
  #nextAttemptAt = 0;
  #inFlight: Promise<Outcome<unknown>> | undefined;
  /** The error of the last failed connect: what a caller gets when it cannot wait for the next slot. */
  #lastError: unknown;
  /** Connect functions running now, and since when there has been at least one without a break. */
  #connecting = 0;
  #connectingSince: number | undefined;
  #attempts = 0;
  #sharedWaits = 0;
  #failures = 0;

  constructor(policy: Pick<Policy, 'backoff'>, options: ReconnectGateOptions = {}) {
    this.#schedule = new BackoffSchedule(reconnectBackoff(policy.backoff), halfJitterGenerator);
    this.#now = options.now ?? (() => performance.now());
    // Every caller waiting for a slot listens to this signal: hundreds may wait at once (not a leak).
    setMaxListeners(0, this.#destroyed.signal);
  }

  /** True while the last connect attempt failed. */
  get isDown(): boolean {
    return this.#down;
  }

  /** The error of the last failed connect while down (undefined while up). */
  get lastError(): unknown {
    return this.#lastError;
  }

  /**
   * Since when (the gate's clock) connects have been in flight without a break; undefined while none
   * is. A caller waiting for a connection made elsewhere (a pool's own create) is waiting out a
   * possible outage from then on.
   */
  get connectingSince(): number | undefined {
    return this.#connectingSince;
  }

  stats(): ReconnectGateStats {
    return {
      attempts: this.#attempts,
      sharedWaits: this.#sharedWaits,
      failures: this.#failures,
      state: this.#down ? 'down' : 'up',
    };
  }

  /** Rejects every waiting caller at once and every later one; clears their timers. */
  destroy(): void {
    this.#destroyed.abort(new DOMException('The goneaway reconnect gate was destroyed', 'AbortError'));
  }

  async connect<T>(connectFn: () => Promise<T>, options: GateConnectOptions<T> = {}): Promise<T> {
    const signals = [options.signal, this.#destroyed.signal];
    for (;;) {
      for (const signal of signals) signal?.throwIfAborted();
      if (!this.#down) return this.#bounded(this.#connectDirectly(connectFn), options, options.abandon);
      const inFlight = this.#inFlight;
      if (inFlight !== undefined) {
        this.#sharedWaits++;
        const shared = raceAbort(inFlight, options.signal ?? this.#destroyed.signal);
        const outcome = await this.#bounded(shared, options, undefined);
        if (!outcome.ok) throw outcome.error;
        continue; // Up again: connect on our own (the attempt's connection belongs to its caller).
      }
      const now = this.#now();
      const { deadline } = options;
      if (deadline !== undefined && this.#nextAttemptAt > deadline) {
        // No slot of our own before the deadline: wait until then (another caller's attempt may
        // still bring the server back), and give up there. Failing at once instead would have the
        // caller's retry loop call again at once, spinning until its deadline.
        if (now >= deadline) throw this.#lastError;
        await sleep(deadline - now, signals);
        continue;
      }
      const waitMs = this.#nextAttemptAt - now;
      if (waitMs > 0) {
        await sleep(waitMs, signals);
        continue; // Someone else may have started the attempt in the meantime.
      }
      return this.#bounded(this.#lead(connectFn), options, options.abandon);
    }
  }

  /**
   * `waiting`, or the cut-off error once the caller's deadline (see GateConnectOptions.deadline) has
   * come, or the reason once the caller's signal aborts or the gate is destroyed (a pool's end() must
   * not wait for a connect in flight); a value that arrives after that goes to `abandon`. Allocates a
   * timer and listeners only for a caller with a deadline or a signal, and only here: connecting is
   * already the slow path.
   */
  #bounded<T, V>(
    waiting: Promise<V>,
    options: GateConnectOptions<T>,
    abandon: ((value: V) => void) | undefined,
  ): Promise<V> {
    const { deadline, signal } = options;
    if (deadline === undefined && signal === undefined) return waiting;
    const signals = signal === undefined ? [this.#destroyed.signal] : [signal, this.#destroyed.signal];
    return new Promise<V>((resolve, reject) => {
      let answered = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const answer = (): boolean => {
        if (answered) return false;
        answered = true;
        if (timer !== undefined) clearTimeout(timer);
        for (const each of signals) each.removeEventListener('abort', onAbort);
        return true;
      };
      function onAbort(this: AbortSignal): void {
        if (answer()) reject(this.reason);
      }
      for (const each of signals) {
        if (each.aborted) {
          onAbort.call(each);
          break;
        }
        each.addEventListener('abort', onAbort, { once: true });
      }
      if (deadline !== undefined && !answered) {
        const now = this.#now();
        timer = setTimeout(() => {
          if (answer()) reject(this.#lastError ?? connectCutOffError(options.target));
        }, connectCutOffAt(deadline, now) - now);
      }
      waiting.then(
        (value) => {
          if (answer()) {
            resolve(value);
          } else if (abandon !== undefined) {
            try {
              abandon(value);
            } catch {
              // Giving a late connection back is best effort; the caller has its answer already.
            }
          }
        },
        (error: unknown) => {
          if (answer()) reject(error);
        },
      );
    });
  }

  async #connectDirectly<T>(connectFn: () => Promise<T>): Promise<T> {
    this.#attempts++;
    this.#connectStarted();
    try {
      const value = await invoke(connectFn);
      this.#connectEnded();
      this.#markUp();
      return value;
    } catch (error) {
      this.#connectEnded();
      this.#failures++;
      this.#lastError = error;
      if (!this.#down) {
        this.#down = true;
        this.#schedule.reset();
        this.#nextAttemptAt = this.#now() + this.#schedule.next();
      }
      throw error;
    }
  }

  async #lead<T>(connectFn: () => Promise<T>): Promise<T> {
    this.#attempts++;
    this.#connectStarted();
    // Started on the next microtask, so #inFlight is set before connectFn can settle, and the
    // state is updated before any sharer resumes.
    const attempt = Promise.resolve()
      .then(connectFn)
      .then(
        (value): Outcome<T> => {
          this.#inFlight = undefined;
          this.#connectEnded();
          this.#markUp();
          return { ok: true, value };
        },
        (error: unknown): Outcome<T> => {
          this.#inFlight = undefined;
          this.#connectEnded();
          this.#failures++;
          this.#lastError = error;
          this.#nextAttemptAt = this.#now() + this.#schedule.next();
          return { ok: false, error };
        },
      );
    this.#inFlight = attempt;
    const outcome = await attempt;
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  #connectStarted(): void {
    if (this.#connecting++ === 0) this.#connectingSince = this.#now();
  }

  #connectEnded(): void {
    if (--this.#connecting === 0) this.#connectingSince = undefined;
  }

  #markUp(): void {
    this.#down = false;
    this.#lastError = undefined;
    this.#nextAttemptAt = 0;
    this.#schedule.reset();
  }
}
