export type TransactionBoundary = 'begin' | 'commit' | 'rollback';

/**
 * One pattern, so that the usual statement (not a boundary) costs one failed match. `ROLLBACK TO
 * [SAVEPOINT] x` keeps the transaction open: not a boundary.
 */
const BOUNDARY = /^\s*(?:(BEGIN|START\s+TRANSACTION)|(COMMIT)|(ROLLBACK)(?!\s+(?:WORK\s+)?TO\b))\b/i;

/**
 * Whether a statement an adapter sees on a held connection opens or ends a transaction: what lets it
 * tell a statement inside a transaction (its loss is TransactionLostError) from one outside
 * (ConnectionLostError). Only the statement's start is read.
 */
export function transactionBoundary(sql: string): TransactionBoundary | undefined {
  const match = BOUNDARY.exec(sql);
  if (match === null) return undefined;
  if (match[1] !== undefined) return 'begin';
  return match[2] !== undefined ? 'commit' : 'rollback';
}
