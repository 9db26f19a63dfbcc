import type { Classification } from '../classification/classification.js';
import { DatabaseUnavailableError } from '../errors/database-unavailable-error.js';

/**
 * Opens when a call has spent the outage budget, then fails every call fast except one probe per
 * interval; a probe that reaches the server closes it.
 *
 * Not cockatiel's CircuitBreakerPolicy, because its semantics differ where it matters here:
 * - it opens on a count or rate of failed executions; here one call exhausting its budget is the
 *   signal, and the engine decides it (the breaker never sees individual attempts);
 * - in its half-open state every other caller *waits* for the probe to finish (`await state.test`),
 *   which can be a whole connect timeout (10 s against a blackholed host): here they fail fast;
 * - its probe runs the whole wrapped function, which would be a fresh budgeted retry loop; here a
 *   probe is a single attempt.
 * What it shares with cockatiel (half-open after a delay, one trial call) is a few lines of state.
 */
export class CircuitBreaker {
  readonly #probeIntervalMs: number;
  readonly #now: () => number;
  readonly #secrets: Iterable<string>;
  #open = false;
  #openedAt = 0;
  #nextProbeAt = 0;
  #probing = false;
  #attempts = 0;
  #lastError: unknown;
  #classification: Classification | undefined;

  /** `secrets`: taken out of the last error's message when the fail-fast error quotes it. */
  constructor(probeIntervalMs: number, now: () => number, secrets: Iterable<string> = []) {
    this.#probeIntervalMs = probeIntervalMs;
    this.#now = now;
    this.#secrets = secrets;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** `pass` (closed), `probe` (open, and this call is the one let through), or `reject`. */
  admit(): 'pass' | 'probe' | 'reject' {
    if (!this.#open) return 'pass';
    if (this.#probing || this.#now() < this.#nextProbeAt) return 'reject';
    this.#probing = true;
    return 'probe';
  }

  /** Opens the circuit; returns false if it was already open. */
  open(attempts: number, lastError: unknown, classification: Classification): boolean {
    this.#lastError = lastError;
    this.#classification = classification;
    if (this.#open) return false;
    this.#open = true;
    this.#openedAt = this.#now();
    this.#nextProbeAt = this.#openedAt + this.#probeIntervalMs;
    this.#attempts = attempts;
    return true;
  }

  /** The probe could not reach the server: the next one may go one interval from now. */
  probeFailed(lastError: unknown, classification: Classification): void {
    this.#probing = false;
    this.#lastError = lastError;
    this.#classification = classification;
    this.#attempts++;
    this.#nextProbeAt = this.#now() + this.#probeIntervalMs;
  }

  /** The probe was abandoned (its caller aborted) without an answer: another call may probe. */
  releaseProbe(): void {
    this.#probing = false;
  }

  /** Closes the circuit; returns how long it was open, or undefined if it was not. */
  close(): number | undefined {
    this.#probing = false;
    if (!this.#open) return undefined;
    this.#open = false;
    this.#lastError = undefined;
    this.#classification = undefined;
    return this.#now() - this.#openedAt;
  }

  /** The error a call gets while the circuit is open; `waitedMs`: how long that call waited before it. */
  failFast(waitedMs: number): DatabaseUnavailableError {
    return new DatabaseUnavailableError({
      attempts: this.#attempts,
      elapsedMs: waitedMs,
      reason: 'circuit-open',
      cause: this.#lastError,
      secrets: this.#secrets,
      ...(this.#classification === undefined ? {} : { classification: this.#classification }),
    });
  }
}
