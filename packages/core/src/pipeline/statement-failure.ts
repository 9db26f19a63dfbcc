import type { Classification } from '../classification/classification.js';
import { connectionIsGone, transactionLossError } from '../connections/connection-failure.js';
import type { PooledConnectionState } from '../connections/pooled-connection-state.js';
import { ConnectionLostError } from '../errors/connection-lost-error.js';

/**
 * What a failed statement on a connection answers with, once the validator has recorded the failure.
 * `held`: the application holds the connection (getConnection, a transaction), so nothing above runs
 * the statement again and a lost connection becomes goneaway's typed error; a pool's own statement
 * keeps the driver's error for the retry engine, which decides. Inside a transaction a lost
 * connection is the transaction lost (or the COMMIT's outcome unknown), and every later statement of
 * it fails the same way (`state.transactionLost`).
 */
export function typeStatementFailure(
  state: PooledConnectionState | undefined,
  sql: string,
  transacting: boolean,
  held: boolean,
  classification: Classification,
  error: unknown,
): unknown {
  if (!held || !connectionIsGone(classification)) return error;
  if (!transacting) {
    // A statement over its own time limit (mysql2's `timeout`, TypeORM's enableQueryTimeout) keeps the
    // driver's error: the application's limit answered, not a lost connection (the connection is
    // still dropped: its statement may run on). Inside a transaction that drop loses the transaction.
    if (classification.kind === 'statement-timeout') return error;
    return new ConnectionLostError({ cause: error, classification, statement: sql });
  }
  const lost = transactionLossError(sql, classification, error);
  if (state !== undefined) state.transactionLost = lost;
  return lost;
}
