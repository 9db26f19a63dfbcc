import { ExponentialBackoff, fullJitterGenerator, type GeneratorFn, type IBackoff } from 'cockatiel';
import type { Policy } from '../policy/options.js';

/**
 * Successive retry delays: exponential with full jitter, from cockatiel (a uniform draw in
 * [0, min(maxDelay, initialDelay·2^n))). Full jitter spreads clients that failed together over the
 * whole window, so they do not come back in lockstep when the server returns (AWS, "Exponential
 * backoff and jitter"). One schedule per outage or per call: it holds the attempt count.
 */
export class BackoffSchedule {
  readonly #factory: ExponentialBackoff<number>;
  #current: IBackoff<unknown> | undefined;

  /** `generator` defaults to full jitter; the reconnect gate uses half jitter (see reconnect-gate.ts). */
  constructor(backoff: Policy['backoff'], generator: GeneratorFn<number> = fullJitterGenerator) {
    this.#factory = new ExponentialBackoff({
      generator,
      initialDelay: backoff.initialDelayMs,
      maxDelay: backoff.maxDelayMs,
    });
  }

  /** The next delay in ms. */
  next(): number {
    this.#current = this.#current === undefined ? this.#factory.next() : this.#current.next(undefined);
    return this.#current.duration;
  }

  /** Start again from the initial delay (the server came back). */
  reset(): void {
    this.#current = undefined;
  }
}
