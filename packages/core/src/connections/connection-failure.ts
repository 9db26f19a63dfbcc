import type { Classification } from '../classification/classification.js';
import { CommitOutcomeUnknownError } from '../errors/commit-outcome-unknown-error.js';
import { TransactionLostError } from '../errors/transaction-lost-error.js';

const COMMIT = /^\s*COMMIT\b/i;

/** The connection is gone (the server closed it, it was killed, the socket died): not a read-only refusal. */
export function connectionIsGone(classification: Classification): boolean {
  return classification.connection === 'dispose' && classification.kind !== 'read-only';
}

/**
 * What a statement inside a transaction gets when its connection is gone: a lost COMMIT that may
 * have reached the server is CommitOutcomeUnknownError; anything else means the server rolled the
 * transaction back (TransactionLostError). `sql` is only used for its shape.
 */
export function transactionLossError(
  sql: string,
  classification: Classification,
  cause: unknown,
): CommitOutcomeUnknownError | TransactionLostError {
  return COMMIT.test(sql) && classification.sent !== 'no'
    ? new CommitOutcomeUnknownError({ cause, classification })
    : new TransactionLostError({ cause, classification, statement: sql });
}
