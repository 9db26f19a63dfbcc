import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayError, hasGoneAwayCode } from './goneaway-error.js';
import { statementPhrase, statementShape } from './statement-phrase.js';

export interface TransactionLostErrorOptions {
  /** The SQL that was running when the connection died; only its shape is kept. */
  readonly statement?: string;
  readonly cause?: unknown;
  /** Defaults to `classify(cause)`. */
  readonly classification?: Classification;
}

const HINT = 'Run the whole transaction again (withTransactionRetry does this).';

/** The connection died inside a transaction, before COMMIT: the server rolled all of it back. */
export class TransactionLostError extends GoneAwayError {
  /** The SQL shape of the statement that was running, never its values. */
  readonly statement: string | undefined;

  constructor(options: TransactionLostErrorOptions = {}) {
    const classification =
      options.classification ?? (options.cause === undefined ? undefined : classify(options.cause));
    const statement = statementShape(options.statement);
    const where = statement === undefined ? '' : ` while running ${statementPhrase(statement)}`;
    const message = `Connection lost inside a transaction${where}; the server rolled the whole transaction back, so none of it was committed. ${HINT}`;
    super(GONEAWAY_CODES.TRANSACTION_LOST, message, HINT, { cause: options.cause, classification });
    this.statement = statement;
  }

  protected override jsonFields(): Record<string, unknown> {
    return { statement: this.statement };
  }

  static {
    Object.defineProperty(TransactionLostError.prototype, 'name', {
      value: 'TransactionLostError',
      writable: true,
      configurable: true,
    });
  }
}

export function isTransactionLost(value: unknown): value is TransactionLostError {
  return hasGoneAwayCode(value, GONEAWAY_CODES.TRANSACTION_LOST);
}
