import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayError, hasGoneAwayCode } from './goneaway-error.js';

export interface DatabaseUnavailableErrorOptions {
  /** Connect or statement attempts made before giving up (0 when the circuit was already open). */
  readonly attempts: number;
  /** Time spent waiting out the outage, ms. */
  readonly elapsedMs: number;
  /** `'budget-spent'` (default): the outage budget ran out; `'circuit-open'`: failing fast without trying. */
  readonly reason?: 'budget-spent' | 'circuit-open';
  /** The last error seen. */
  readonly cause?: unknown;
  /** Defaults to `classify(cause)`. */
  readonly classification?: Classification;
}

const HINT =
  'Check that the server is up and reachable; goneaway fails fast while it is down and lets one probe through per interval to notice when it is back.';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

/** The outage budget was spent, or the circuit is open: the database could not be reached. */
export class DatabaseUnavailableError extends GoneAwayError {
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly reason: 'budget-spent' | 'circuit-open';

  constructor(options: DatabaseUnavailableErrorOptions) {
    const classification =
      options.classification ?? (options.cause === undefined ? undefined : classify(options.cause));
    const attempts = count(options.attempts);
    const elapsedMs = count(options.elapsedMs);
    const reason = options.reason ?? 'budget-spent';
    const last =
      classification === undefined
        ? ''
        : ` (last error: ${classification.kind}${classification.code === undefined ? '' : ` ${classification.code}`})`;
    const what =
      reason === 'circuit-open'
        ? `The database is unavailable: the circuit is open after ${attempts} failed attempt${attempts === 1 ? '' : 's'} over ${elapsedMs} ms${last}, so the call failed fast.`
        : `The database is unavailable: ${attempts} attempt${attempts === 1 ? '' : 's'} over ${elapsedMs} ms failed${last} and the outage budget is spent.`;
    super(GONEAWAY_CODES.UNAVAILABLE, `${what} ${HINT}`, HINT, { cause: options.cause, classification });
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
    this.reason = reason;
  }

  protected override jsonFields(): Record<string, unknown> {
    return { attempts: this.attempts, elapsedMs: this.elapsedMs, reason: this.reason };
  }

  static {
    Object.defineProperty(DatabaseUnavailableError.prototype, 'name', {
      value: 'DatabaseUnavailableError',
      writable: true,
      configurable: true,
    });
  }
}

export function isDatabaseUnavailable(value: unknown): value is DatabaseUnavailableError {
  return hasGoneAwayCode(value, GONEAWAY_CODES.UNAVAILABLE);
}
