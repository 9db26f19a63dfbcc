import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayError, hasGoneAwayCode } from './goneaway-error.js';

export interface CommitOutcomeUnknownErrorOptions {
  readonly cause?: unknown;
  /** Defaults to `classify(cause)`. */
  readonly classification?: Classification;
}

const HINT =
  'Check whether its changes are there (or use withTransactionRetry with a commitMarker) before running it again.';

/** The connection died during COMMIT: the transaction may or may not have been committed. */
export class CommitOutcomeUnknownError extends GoneAwayError {
  constructor(options: CommitOutcomeUnknownErrorOptions = {}) {
    const classification =
      options.classification ?? (options.cause === undefined ? undefined : classify(options.cause));
    const message = `Connection lost during COMMIT; the transaction may or may not have been committed. ${HINT}`;
    super(GONEAWAY_CODES.COMMIT_UNKNOWN, message, HINT, { cause: options.cause, classification });
  }

  static {
    Object.defineProperty(CommitOutcomeUnknownError.prototype, 'name', {
      value: 'CommitOutcomeUnknownError',
      writable: true,
      configurable: true,
    });
  }
}

export function isCommitOutcomeUnknown(value: unknown): value is CommitOutcomeUnknownError {
  return hasGoneAwayCode(value, GONEAWAY_CODES.COMMIT_UNKNOWN);
}
