export type TransactionBoundary = 'begin' | 'commit' | 'rollback';

const BEGIN = /^\s*(?:BEGIN|START\s+TRANSACTION)\b/i;
const COMMIT = /^\s*COMMIT\b/i;
/** `ROLLBACK TO [SAVEPOINT] x` keeps the transaction open: not a boundary. */
const ROLLBACK = /^\s*ROLLBACK\b(?!\s+(?:WORK\s+)?TO\b)/i;

/**
 * Whether a statement an adapter sees on a held connection opens or ends a transaction: what lets it
 * tell a statement inside a transaction (its loss is TransactionLostError) from one outside
 * (ConnectionLostError). Only the statement's start is read.
 */
export function transactionBoundary(sql: string): TransactionBoundary | undefined {
  if (BEGIN.test(sql)) return 'begin';
  if (COMMIT.test(sql)) return 'commit';
  if (ROLLBACK.test(sql)) return 'rollback';
  return undefined;
}
