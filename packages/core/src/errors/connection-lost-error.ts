import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { isReadOnlyStatement } from '../statements/is-read-only-statement.js';
import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayError, hasGoneAwayCode } from './goneaway-error.js';
import { statementPhrase, statementShape } from './statement-phrase.js';

export interface ConnectionLostErrorOptions {
  /** The SQL that was running; only its shape (literals replaced, truncated) is kept. */
  readonly statement?: string;
  readonly cause?: unknown;
  /** Defaults to `classify(cause)`. */
  readonly classification?: Classification;
}

const HINT_MAYBE_RAN = 'Make the write idempotent or check its effect before running it again.';
const HINT_NOT_SENT = 'Run it again once the database is reachable.';
const HINT_READ = 'It only reads, so it is safe to run again.';

/**
 * A statement's connection died and goneaway did not run it again: a write that may or may not have
 * run (`sent: 'maybe'`), or one that retries were not allowed for.
 */
export class ConnectionLostError extends GoneAwayError {
  /** The SQL shape of the statement, never its values. */
  readonly statement: string | undefined;

  constructor(options: ConnectionLostErrorOptions = {}) {
    const classification =
      options.classification ?? (options.cause === undefined ? undefined : classify(options.cause));
    const statement = statementShape(options.statement);
    const phrase = statementPhrase(statement);
    const notSent = classification?.sent === 'no';
    const reads = typeof options.statement === 'string' && isReadOnlyStatement(options.statement);
    const hint = notSent ? HINT_NOT_SENT : reads ? HINT_READ : HINT_MAYBE_RAN;
    const message = notSent
      ? `Connection lost before ${phrase} reached the server; it did not run and was not retried. ${hint}`
      : `Connection lost while running ${phrase}; it may or may not have run, so it was not retried. ${hint}`;
    super(GONEAWAY_CODES.CONNECTION_LOST, message, hint, { cause: options.cause, classification });
    this.statement = statement;
  }

  protected override jsonFields(): Record<string, unknown> {
    return { statement: this.statement };
  }

  static {
    Object.defineProperty(ConnectionLostError.prototype, 'name', {
      value: 'ConnectionLostError',
      writable: true,
      configurable: true,
    });
  }
}

export function isConnectionLost(value: unknown): value is ConnectionLostError {
  return hasGoneAwayCode(value, GONEAWAY_CODES.CONNECTION_LOST);
}
