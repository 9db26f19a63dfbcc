import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayError, hasGoneAwayCode } from './goneaway-error.js';

export interface CommitOutcomeUnknownErrorOptions {
  readonly cause?: unknown;
  /** Defaults to `classify(cause)`. */
  readonly classification?: Classification;
}

/**
 * Not "check whether its changes are there": right after the loss the COMMIT may still be in flight
 * (held in a proxy or a retransmit), so a read on a fresh connection can miss changes that land a
 * moment later, and running the transaction again on that basis applies it twice
 * (test/exactly-once/commit-held.test.ts). Only the commit marker resolves the outcome safely.
 */
const HINT =
  'Do not run it again because a read does not show its changes: the COMMIT may still be in flight. Use withTransactionRetry(..., { commitMarker: true }) (@goneaway/knex), which settles the outcome exactly once, or a unique idempotency key that makes a second run fail instead of applying twice.';

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
