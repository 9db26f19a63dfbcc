import { setMaxListeners } from 'node:events';
import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { ConnectionLostError } from '../errors/connection-lost-error.js';
import { DatabaseUnavailableError } from '../errors/database-unavailable-error.js';
import { isGoneAwayError } from '../errors/goneaway-error.js';
import type { Policy } from '../policy/options.js';
import { describeSql } from '../redaction/describe-sql.js';
import { SecretRedactor } from '../redaction/secret-redactor.js';
import { invoke, linkedController, raceAbort, sleep } from './abortable.js';
import { BackoffSchedule } from './backoff-schedule.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { type EventSink, emitSafely } from './event-sink.js';
import { decideRetry, type StatementSafety } from './retry-decision.js';

/** What each attempt is told. */
export interface AttemptContext {
  /** 1 for the first attempt of this call. */
  readonly attempt: number;
  /** Aborts when the caller's signal aborts or the engine is destroyed: pass it to waits (e.g. the gate). */
  readonly signal: AbortSignal;
  /** True when the circuit is open and this single attempt is its probe. */
  readonly probe: boolean;
  /**
   * When this call's outage budget ends (the engine's clock, performance.now() by default): pass it
   * to ReconnectGate.connect, or use it to bound any other wait for a connection to be made, so the
   * call stops waiting for a connection then. Never use it to bound a statement: one running on an
   * established connection is not waiting out an outage and is never cut off.
   */
  readonly deadline: number;
}

export interface ExecuteOptions {
  /** What the statement does; without it, a call is treated as a write. `sql` is only used for its shape. */
  readonly statement?: { readonly safety: StatementSafety; readonly sql?: string };
  /** Inside a transaction nothing is retried and errors pass through untouched (the caller maps them). */
  readonly inTransaction?: boolean;
  /**
   * The attempt's connects go through a ReconnectGate, which spaces them itself and lets every waiter
   * through the moment one succeeds: a failure that sent nothing is then retried without the engine's
   * own delay (which would only add up to backoff.maxDelayMs of latency after the server is back).
   */
  readonly gatedConnects?: boolean;
  /**
   * `false` skips the circuit breaker's admission for this call: for an outer loop whose attempts
   * acquire their connection through an inner execute() that is admitted itself (one admission per
   * call: a probe must not be consumed twice). Default `true`.
   */
  readonly admission?: boolean;
  /**
   * The first attempt already ran, on the caller's own fast path outside the engine, and failed
   * with this error: the engine decides from it and goes on from the second attempt (admitted
   * without a breaker check: the first attempt was the call's admission).
   */
  readonly firstFailure?: { readonly error: unknown };
  /**
   * When the call began (the engine's clock), when that was before this execute(): its first attempt
   * ran on the caller's own fast path (`firstFailure`), or it waited elsewhere first. The outage
   * budget and `elapsedMs` count from it. Default: now.
   */
  readonly startedAt?: number;
  readonly signal?: AbortSignal;
}

export interface RetryEngineStats {
  /** execute() calls. */
  readonly calls: number;
  /** Attempts run, first attempts included. */
  readonly attempts: number;
  readonly retries: number;
  /** Calls rejected at once because the circuit was open. */
  readonly failedFast: number;
  readonly probes: number;
  readonly circuitOpened: number;
  readonly circuit: 'closed' | 'open';
}

export interface RetryEngine {
  /**
   * Runs `attempt`, and again after a connection failure when the statement's safety allows it,
   * with backoff, inside the outage budget. Rejects with: the original error when it is not
   * connection-related or may not be retried; ConnectionLostError when a write (or a read with
   * retryReads off) may have run; DatabaseUnavailableError when the budget is spent (the circuit then
   * opens) or the circuit is open; the signal's reason on abort.
   *
   * The budget: the call's deadline is `startedAt + outageBudgetMs`, or, when its first attempt
   * failed after its statement was sent (it had a connection; the statement's running time is not
   * an outage), that failure's time + outageBudgetMs. Each attempt gets the deadline
   * (AttemptContext.deadline) to bound its waits for a connection; no attempt starts after it,
   * except one retry after a pooled connection found dead at the first attempt (that is not an
   * outage), and the call then rejects. `elapsedMs` on the error is the time since `startedAt`: what
   * the caller waited.
   */
  execute<T>(attempt: (context: AttemptContext) => Promise<T>, options?: ExecuteOptions): Promise<T>;
  readonly circuit: 'closed' | 'open';
  /**
   * The passwords the adapter connects with: DatabaseUnavailableError quotes the last connect
   * error's own message (it says where goneaway tried), with these taken out.
   */
  readonly redactor: SecretRedactor;
  stats(): RetryEngineStats;
  /** Rejects every pending call at once (clearing its timers) and every later one. */
  destroy(): void;
}

export interface RetryEngineOptions {
  /** Monotonic milliseconds; injectable for tests. */
  readonly now?: () => number;
  /** Shared with the adapter, which adds its passwords; a fresh one by default. */
  readonly redactor?: SecretRedactor;
  /**
   * When a call has spent its budget: an error that says better why (a cluster with no writer names
   * every host and its state), answered instead of the generic one, the circuit left closed (the
   * cluster's monitor, not the breaker, knows when a writer is back). Undefined: the generic error,
   * and the circuit opens.
   */
  readonly budgetSpent?: (spent: {
    readonly attempts: number;
    readonly elapsedMs: number;
  }) => Error | undefined;
}

/** One per goneaway instance (per pool): the circuit state is shared by all its calls. */
export function createRetryEngine(
  policy: Pick<Policy, 'retryReads' | 'retryWrites' | 'outageBudgetMs' | 'backoff' | 'circuitBreaker'>,
  sink?: EventSink,
  options: RetryEngineOptions = {},
): RetryEngine {
  return new DefaultRetryEngine(
    policy,
    sink,
    options.now ?? (() => performance.now()),
    options.redactor ?? new SecretRedactor(),
    options.budgetSpent,
  );
}

interface Outage {
  readonly startedAt: number;
  failures: number;
}

class DefaultRetryEngine implements RetryEngine {
  readonly #policy: Parameters<typeof createRetryEngine>[0];
  readonly #sink: EventSink | undefined;
  readonly #now: () => number;
  readonly #breaker: CircuitBreaker;
  readonly #destroyed = new AbortController();
  readonly redactor: SecretRedactor;
  readonly #budgetSpent: RetryEngineOptions['budgetSpent'];
  /** From the first connection failure any call saw until an attempt started after it succeeds. */
  #outage: Outage | undefined;
  #calls = 0;
  #attempts = 0;
  #retries = 0;
  #failedFast = 0;
  #probes = 0;
  #circuitOpened = 0;

  constructor(
    policy: Parameters<typeof createRetryEngine>[0],
    sink: EventSink | undefined,
    now: () => number,
    redactor: SecretRedactor,
    budgetSpent: RetryEngineOptions['budgetSpent'],
  ) {
    this.#policy = policy;
    this.#budgetSpent = budgetSpent;
    this.#sink = sink;
    this.#now = now;
    this.redactor = redactor;
    this.#breaker = new CircuitBreaker(policy.circuitBreaker.probeIntervalMs, now, redactor.secrets);
    // Every call waiting out an outage listens to this signal: hundreds may wait at once, which is
    // not a leak (Node would otherwise print MaxListenersExceededWarning past 10).
    setMaxListeners(0, this.#destroyed.signal);
  }

  get circuit(): 'closed' | 'open' {
    return this.#breaker.isOpen ? 'open' : 'closed';
  }

  stats(): RetryEngineStats {
    return {
      calls: this.#calls,
      attempts: this.#attempts,
      retries: this.#retries,
      failedFast: this.#failedFast,
      probes: this.#probes,
      circuitOpened: this.#circuitOpened,
      circuit: this.circuit,
    };
  }

  destroy(): void {
    this.#destroyed.abort(new DOMException('The goneaway retry engine was destroyed', 'AbortError'));
  }

  execute<T>(attempt: (context: AttemptContext) => Promise<T>, options: ExecuteOptions = {}): Promise<T> {
    this.#calls++;
    if (options.firstFailure !== undefined) {
      this.#attempts++;
      return this.#guarded(attempt, options, options.firstFailure, options.startedAt ?? this.#now());
    }
    if (
      options.signal === undefined &&
      options.inTransaction !== true &&
      !this.#breaker.isOpen &&
      !this.#destroyed.signal.aborted
    ) {
      // The happy path, every statement of a healthy application: one attempt, no abort plumbing
      // (an AbortController and its listeners cost more than the rest of the engine), no schedule.
      // Only a failure pays for what a retry needs.
      this.#attempts++;
      const attemptStartedAt = this.#now();
      const startedAt = options.startedAt ?? attemptStartedAt;
      return invoke(() =>
        attempt({
          attempt: 1,
          signal: this.#destroyed.signal,
          probe: false,
          deadline: startedAt + this.#policy.outageBudgetMs,
        }),
      ).then(
        (result) => {
          this.#closeCircuit();
          this.#noteSuccess(attemptStartedAt);
          return result;
        },
        (error: unknown) => this.#guarded(attempt, options, { error }, startedAt),
      );
    }
    return this.#guarded(attempt, options, undefined, options.startedAt ?? this.#now());
  }

  async #guarded<T>(
    attempt: (context: AttemptContext) => Promise<T>,
    options: ExecuteOptions,
    firstFailure: { readonly error: unknown } | undefined,
    startedAt: number,
  ): Promise<T> {
    const { controller, unlink } = linkedController([options.signal, this.#destroyed.signal]);
    try {
      if (controller.signal.aborted) throw controller.signal.reason;
      return await this.#run(attempt, options, controller.signal, firstFailure, startedAt);
    } finally {
      unlink();
    }
  }

  /**
   * `firstFailure`: the first attempt already ran, admitted, on the fast path, and failed with this.
   * `startedAt`: when the call began (the budget and elapsedMs count from it).
   */
  async #run<T>(
    attempt: (context: AttemptContext) => Promise<T>,
    options: ExecuteOptions,
    signal: AbortSignal,
    firstFailure: { readonly error: unknown } | undefined,
    startedAt: number,
  ): Promise<T> {
    const budget = this.#policy.outageBudgetMs;
    let deadline = startedAt + budget;
    if (options.inTransaction === true) {
      this.#attempts++;
      return raceAbort(
        invoke(() => attempt({ attempt: 1, signal, probe: false, deadline })),
        signal,
      );
    }
    const admission =
      options.admission === false || firstFailure !== undefined ? 'pass' : this.#breaker.admit();
    if (admission === 'reject') {
      this.#failedFast++;
      throw this.#breaker.failFast(this.#now() - startedAt);
    }
    const probe = admission === 'probe';
    if (probe) this.#probes++;
    const schedule = new BackoffSchedule(this.#policy.backoff);

    for (let attempts = 1; ; attempts++) {
      if (attempts > 1 && this.#breaker.isOpen) {
        // Another call spent its budget while this one waited: the server is known down.
        this.#failedFast++;
        throw this.#breaker.failFast(this.#now() - startedAt);
      }
      const replay = attempts === 1 && firstFailure !== undefined;
      if (!replay) this.#attempts++;
      const attemptStartedAt = this.#now();
      let result: T;
      try {
        if (replay) throw firstFailure.error;
        result = await raceAbort(
          invoke(() => attempt({ attempt: attempts, signal, probe, deadline })),
          signal,
        );
      } catch (error) {
        if (signal.aborted) {
          if (probe) this.#breaker.releaseProbe();
          throw signal.reason;
        }
        // Our own errors (a packet the guard refused, an inner engine's verdict) are final.
        if (isGoneAwayError(error)) {
          if (probe) this.#breaker.probeFailed(error, classify(error));
          throw error;
        }
        const classification = classify(error);
        const decision = decideRetry(classification, options.statement, false, this.#policy);
        if (decision === 'rethrow') {
          // The server answered (or the failure is not about reaching it): a probe has its answer.
          if (probe) this.#closeCircuit();
          throw error;
        }
        this.#noteFailure();
        if (probe) {
          this.#breaker.probeFailed(error, classification);
          if (decision === 'retry') throw this.#breaker.failFast(this.#now() - startedAt);
        }
        if (decision === 'connection-lost') {
          throw new ConnectionLostError({ cause: error, classification, ...sqlOf(options) });
        }
        const failedAt = this.#now();
        // The statement had a connection and ran: its running time was not spent waiting out an outage.
        if (attempts === 1 && classification.sent !== 'no') deadline = failedAt + budget;
        const elapsedMs = failedAt - startedAt;
        const pastDeadline = failedAt >= deadline;
        // One retry even past the deadline (a zero budget, a long wait for a busy pool) when the first
        // attempt found its pooled connection dead: that is not an outage. A connect that already
        // waited the budget out is.
        if (pastDeadline && (attempts >= 2 || classification.kind === 'connect-failed')) {
          throw this.#spent(attempts, elapsedMs, error, classification);
        }
        const delayMs =
          pastDeadline || (options.gatedConnects === true && classification.sent === 'no')
            ? 0
            : Math.max(0, Math.min(schedule.next(), deadline - failedAt));
        this.#retries++;
        this.#emitRetry(attempts, delayMs, elapsedMs, classification, options);
        await sleep(delayMs, [signal]);
        // An attempt is not started at or after the deadline: it could only run over it.
        const now = this.#now();
        if (!pastDeadline && now >= deadline)
          throw this.#spent(attempts, now - startedAt, error, classification);
        continue;
      }
      // Any success proves the server answers again, a probe's or a call's that began before the circuit opened.
      this.#closeCircuit();
      this.#noteSuccess(attemptStartedAt);
      return result;
    }
  }

  #spent(attempts: number, elapsedMs: number, error: unknown, classification: Classification): Error {
    const better = this.#budgetSpent?.({ attempts, elapsedMs: Math.round(elapsedMs) });
    if (better !== undefined) return better;
    if (this.#breaker.open(attempts, error, classification)) {
      this.#circuitOpened++;
      emitSafely(this.#sink, {
        type: 'circuit-open',
        attempts,
        elapsedMs: Math.round(elapsedMs),
        classification,
      });
    }
    return new DatabaseUnavailableError({
      attempts,
      elapsedMs,
      cause: error,
      classification,
      secrets: this.redactor.secrets,
    });
  }

  #closeCircuit(): void {
    const openMs = this.#breaker.close();
    if (openMs !== undefined) emitSafely(this.#sink, { type: 'circuit-closed', openMs: Math.round(openMs) });
  }

  #noteFailure(): void {
    this.#outage ??= { startedAt: this.#now(), failures: 0 };
    this.#outage.failures++;
  }

  #noteSuccess(attemptStartedAt: number): void {
    const outage = this.#outage;
    // A call that began before the outage and finishes after it proves nothing about reconnecting.
    if (outage === undefined || attemptStartedAt < outage.startedAt) return;
    this.#outage = undefined;
    emitSafely(this.#sink, {
      type: 'reconnected',
      attempts: outage.failures + 1,
      outageMs: Math.round(this.#now() - outage.startedAt),
    });
  }

  #emitRetry(
    attempt: number,
    delayMs: number,
    elapsedMs: number,
    classification: Classification,
    options: ExecuteOptions,
  ): void {
    const sql = options.statement?.sql;
    emitSafely(this.#sink, {
      type: 'retry',
      attempt,
      delayMs: Math.round(delayMs),
      elapsedMs: Math.round(elapsedMs),
      classification,
      statement: sql === undefined ? undefined : describeSql(sql),
    });
  }
}

function sqlOf(options: ExecuteOptions): { statement?: string } {
  const sql = options.statement?.sql;
  return sql === undefined ? {} : { statement: sql };
}
