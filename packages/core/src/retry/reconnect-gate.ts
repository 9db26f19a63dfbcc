import { setMaxListeners } from 'node:events';
import { halfJitterGenerator } from 'cockatiel';
import type { Policy } from '../policy/options.js';
import { invoke, raceAbort, sleep } from './abortable.js';
import { BackoffSchedule } from './backoff-schedule.js';

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

export interface GateConnectOptions {
  /** Bounds the wait for a slot or for a shared attempt (not the caller's own connect). */
  readonly signal?: AbortSignal;
  /**
   * When the caller stops waiting (the gate's clock, performance.now() by default; AttemptContext's
   * `deadline`): if the next slot comes later, the call fails at once with the last connect error
   * instead of sleeping past the caller's outage budget.
   */
  readonly deadline?: number | undefined;
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

  async connect<T>(connectFn: () => Promise<T>, options: GateConnectOptions = {}): Promise<T> {
    const signals = [options.signal, this.#destroyed.signal];
    for (;;) {
      for (const signal of signals) signal?.throwIfAborted();
      if (!this.#down) return this.#connectDirectly(connectFn);
      const inFlight = this.#inFlight;
      if (inFlight !== undefined) {
        this.#sharedWaits++;
        const outcome = await raceAbort(inFlight, options.signal ?? this.#destroyed.signal);
        if (!outcome.ok) throw outcome.error;
        continue; // Up again: connect on our own (the attempt's connection belongs to its caller).
      }
      const waitMs = this.#nextAttemptAt - this.#now();
      if (options.deadline !== undefined && this.#nextAttemptAt > options.deadline) throw this.#lastError;
      if (waitMs > 0) {
        await sleep(waitMs, signals);
        continue; // Someone else may have started the attempt in the meantime.
      }
      return this.#lead(connectFn);
    }
  }

  async #connectDirectly<T>(connectFn: () => Promise<T>): Promise<T> {
    this.#attempts++;
    try {
      const value = await invoke(connectFn);
      this.#markUp();
      return value;
    } catch (error) {
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
    // Started on the next microtask, so #inFlight is set before connectFn can settle, and the
    // state is updated before any sharer resumes.
    const attempt = Promise.resolve()
      .then(connectFn)
      .then(
        (value): Outcome<T> => {
          this.#inFlight = undefined;
          this.#markUp();
          return { ok: true, value };
        },
        (error: unknown): Outcome<T> => {
          this.#inFlight = undefined;
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

  #markUp(): void {
    this.#down = false;
    this.#lastError = undefined;
    this.#nextAttemptAt = 0;
    this.#schedule.reset();
  }
}
