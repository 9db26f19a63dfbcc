import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { CONNECT_PHASE, CONNECT_TARGET } from '../classification/connect-phase.js';
import { readProperty } from '../classification/read-property.js';
import { redactDriverMessage } from '../redaction/secret-redactor.js';
import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayError, hasGoneAwayCode } from './goneaway-error.js';

export interface DatabaseUnavailableErrorOptions {
  /**
   * Connect or statement attempts made before giving up; when the circuit was open, the failed
   * attempts that opened it and the failed probes since.
   */
  readonly attempts: number;
  /** How long the caller waited, ms: from the start of its call to this error (0 when the open circuit failed it at once). */
  readonly elapsedMs: number;
  /** `'budget-spent'` (default): the outage budget ran out; `'circuit-open'`: failing fast without trying. */
  readonly reason?: 'budget-spent' | 'circuit-open';
  /** The last error seen. */
  readonly cause?: unknown;
  /** Defaults to `classify(cause)`. */
  readonly classification?: Classification;
  /** Passwords to take out of the quoted driver message (SecretRedactor's), besides URL credentials. */
  readonly secrets?: Iterable<string>;
}

const HINT =
  'Check that the server is up and reachable; goneaway fails fast while it is down and lets one probe through per interval to notice when it is back.';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

const CONNECT_SYSCALLS = new Set(['connect', 'getaddrinfo']);

/**
 * The driver's own message of a connect failure ("connect ECONNREFUSED 10.0.0.5:3306"): it says
 * where goneaway tried, which the code alone does not. Only for errors raised while connecting:
 * knex prepends the SQL, values included, to a statement's error message, and no statement was
 * involved in a connect. Redacted (URL credentials, password pairs, the given secrets) and cut short.
 */
function quotableMessage(cause: unknown, secrets: Iterable<string> | undefined): string | undefined {
  const connecting =
    readProperty(cause, CONNECT_PHASE) === true ||
    CONNECT_SYSCALLS.has(String(readProperty(cause, 'syscall')));
  if (!connecting) return undefined;
  const message = readProperty(cause, 'message');
  const target = readProperty(cause, CONNECT_TARGET);
  const text = typeof message === 'string' ? redactDriverMessage(message, secrets) : '';
  if (typeof target !== 'string' || target === '' || text.includes(target))
    return text === '' ? undefined : text;
  const where = redactDriverMessage(`connecting to ${target}`, secrets);
  return text === '' ? where : `${text}, ${where}`;
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
    const quoted = options.cause === undefined ? undefined : quotableMessage(options.cause, options.secrets);
    const last =
      classification === undefined
        ? ''
        : ` (last error: ${classification.kind}${classification.code === undefined ? '' : ` ${classification.code}`}${quoted === undefined ? '' : `, "${quoted}"`})`;
    const what =
      reason === 'circuit-open'
        ? `The database is unavailable: the circuit is open after ${attempts} failed attempt${attempts === 1 ? '' : 's'}${last}, so the call failed fast after ${elapsedMs} ms.`
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
