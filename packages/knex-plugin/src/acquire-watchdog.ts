import { connectCutOffAt, connectCutOffError, type ReconnectGate } from '@goneaway/core/adapter';

const OUTAGE_DEADLINE = Symbol('goneaway.outageDeadline');

/** Stamped on an acquire the watchdog has rejected: it is never looked at again. */
const ANSWERED = Number.POSITIVE_INFINITY;

/** tarn's PendingOperation (tarn/dist/PendingOperation.js): the acquire knex's acquireConnection waits on. */
interface TarnPendingAcquire {
  reject(error: unknown): void;
  isRejected: boolean;
  [OUTAGE_DEADLINE]?: number;
}

/**
 * The slice of tarn's Pool (tarn/dist/Pool.js, checked against tarn 3.0) the watchdog reads:
 * `acquire()` pushes a PendingOperation on `pendingAcquires` synchronously, and moves it to
 * `pendingValidations` at once when a free connection is there; a failed validation puts it back.
 */
interface TarnPool {
  readonly pendingAcquires: TarnPendingAcquire[];
  readonly pendingValidations: TarnPendingAcquire[];
}

function isTarnPool(value: unknown): value is TarnPool {
  const pool = value as Partial<TarnPool> | null | undefined;
  return Array.isArray(pool?.pendingAcquires) && Array.isArray(pool?.pendingValidations);
}

/**
 * Ends the wait of knex acquires that outlive their call's outage budget while the pool is
 * connecting or the server is known down.
 *
 * A knex acquire waits inside tarn for a connection tarn creates (knex's create, through the
 * reconnect gate), and a create against a host that accepts TCP and never greets runs to its
 * connect timeout. No waiter is tied to a create, so the budget cannot be applied there: an acquire
 * that has to wait is stamped with its deadline instead (a property on tarn's own pending operation;
 * one served at once from a free connection, the happy path, is not touched), and one timer per
 * pool, armed only while connects are in flight or the gate is down, rejects the acquires whose
 * deadline has passed, the way tarn itself rejects one after a failed create (propagateCreateError).
 * An acquire waiting for a busy pool, with no connect in flight, is left alone: that is tarn's
 * acquireTimeout, not an outage. The connect itself runs on; tarn keeps what it brings.
 */
export class AcquireWatchdog {
  readonly #gateOf: () => ReconnectGate;
  readonly #now: () => number;
  /** Where the pool connects (host:port), for the error of a connect that never answered. */
  readonly #target: () => string | undefined;
  /** Called with the error before each acquire is rejected with it (knex logs a warning for it). */
  readonly #onCutOff: (error: unknown) => void;
  readonly #budgetMs: number;
  #pool: TarnPool | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(options: {
    /** The pool's gate (a function: a knex instance initialized again after destroy() gets a new one). */
    readonly gate: ReconnectGate | (() => ReconnectGate);
    /** The policy's outageBudgetMs: the deadline of an acquire that was served at once but went back to waiting. */
    readonly budgetMs: number;
    readonly target: () => string | undefined;
    readonly onCutOff: (error: unknown) => void;
    readonly now?: () => number;
  }) {
    const { gate } = options;
    this.#gateOf = typeof gate === 'function' ? gate : () => gate;
    this.#budgetMs = options.budgetMs;
    this.#target = options.target;
    this.#onCutOff = options.onCutOff;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Call right after knex's acquireConnection() (client.js), which calls `pool.acquire()` before its
   * first await: stamps the acquire it queued with the call's outage deadline, if it has to wait.
   */
  stamp(pool: unknown, deadline: number): void {
    // knex makes a new pool when it is initialized again after destroy().
    if (this.#pool !== pool) this.#pool = isTarnPool(pool) ? pool : undefined;
    const waiting = this.#pool?.pendingAcquires;
    if (waiting === undefined) return;
    // Served at once from a free connection (the happy path: nothing added to it), the acquire is no
    // longer queued. Queued, it is the last one: every acquire is stamped as it is queued.
    const queued = waiting[waiting.length - 1];
    if (queued === undefined || queued[OUTAGE_DEADLINE] !== undefined) return;
    queued[OUTAGE_DEADLINE] = deadline;
    if (this.#outage()) this.#arm();
  }

  /** A connect started or failed: the acquires waiting may now be waiting out an outage. */
  connectChanged(): void {
    if (this.#outage()) this.#arm();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #outage(): boolean {
    return this.#gateOf().connectingSince !== undefined || this.#gateOf().isDown;
  }

  /** When `acquire` stops waiting (called only while connecting or down). */
  #cutOffAt(acquire: TarnPendingAcquire): number {
    const since = this.#gateOf().connectingSince;
    let deadline = acquire[OUTAGE_DEADLINE];
    if (deadline === undefined) {
      // Served at once, then back in the queue (its connection failed validation): it is waiting
      // out this outage from when it began, at the latest.
      deadline = (since ?? this.#now()) + this.#budgetMs;
      acquire[OUTAGE_DEADLINE] = deadline;
    }
    return since === undefined ? deadline : connectCutOffAt(deadline, since);
  }

  #arm(): void {
    const pool = this.#pool;
    if (pool === undefined) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const acquire of pool.pendingAcquires) {
      const at = this.#cutOffAt(acquire);
      if (at < earliest) earliest = at;
    }
    if (earliest === Number.POSITIVE_INFINITY || earliest >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = earliest;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, earliest - this.#now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const pool = this.#pool;
    // Connected again meanwhile: whoever still waits, waits for a busy pool.
    if (pool === undefined || !this.#outage()) return;
    const now = this.#now();
    let error: unknown;
    // A copy: tarn removes a rejected acquire from its queue (on a later microtask, but still).
    for (const acquire of [...pool.pendingAcquires]) {
      if (this.#cutOffAt(acquire) > now || acquire.isRejected) continue;
      acquire[OUTAGE_DEADLINE] = ANSWERED;
      error ??= this.#gateOf().lastError ?? connectCutOffError(this.#target());
      this.#onCutOff(error);
      acquire.reject(error);
    }
    this.#arm();
  }
}
