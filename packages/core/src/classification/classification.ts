/**
 * What a failed database call means for the caller: the stable vocabulary every goneaway package
 * shares. `classify(err)` produces it; retries, evictions, typed errors and events are decided from it.
 */
export type ErrorKind =
  | 'connection-lost'
  | 'connect-failed'
  | 'server-shutdown'
  | 'idle-timeout'
  | 'killed'
  | 'read-only'
  | 'packet-too-large'
  | 'too-many-connections'
  | 'host-blocked'
  | 'auth-failed'
  | 'deadlock'
  | 'lock-wait-timeout'
  | 'statement-timeout'
  | 'interrupted'
  | 'cluster-not-ready'
  | 'not-connection-related';

/** Could the statement have reached the server? */
export type SentState = 'no' | 'maybe' | 'yes';

/** Can the connection that produced the error be used again? */
export type ConnectionState = 'usable' | 'dispose';

/**
 * What may be run again: `safe` (nothing ran), `if-idempotent` (it may have run: only a read may be
 * repeated), `whole-transaction` (the transaction is gone and rolled back: run all of it again),
 * `never`.
 */
export type RetryAdvice = 'safe' | 'if-idempotent' | 'whole-transaction' | 'never';

export interface Classification {
  readonly kind: ErrorKind;
  readonly sent: SentState;
  readonly connection: ConnectionState;
  readonly retry: RetryAdvice;
  /**
   * The driver's string code (`PROTOCOL_CONNECTION_LOST`, `ER_LOCK_DEADLOCK`, `ECONNRESET`), or, when the
   * driver gave none, the symbolic name of the error number (MariaDB's 1969 reaches mysql2 without a
   * code; MySQL's 4031 arrives with a numeric one): `ER_STATEMENT_TIMEOUT`, `ER_CLIENT_INTERACTION_TIMEOUT`.
   */
  readonly code: string | undefined;
  /** The MySQL/MariaDB server or client error number, if any. */
  readonly errno: number | undefined;
  /** One sentence of remediation. */
  readonly hint: string;
}

/** The fields goneaway reads from a driver error. Every field is optional: errors are untrusted input. */
export interface DriverErrorShape {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly fatal?: unknown;
  readonly sqlState?: unknown;
  readonly message?: unknown;
  readonly syscall?: unknown;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  /** The server's own message (mysql2), unlike `message`, which knex prefixes with the SQL and its values. */
  readonly sqlMessage?: unknown;
  /** mysql2's spelling on its connect and query timeouts. */
  readonly errorno?: unknown;
  readonly nativeError?: unknown;
  /** AggregateError (Node's connect to several addresses). */
  readonly errors?: unknown;
}

// A Record literal must name every kind exactly once: adding a kind without listing it fails to compile.
const KIND_PRESENCE: Readonly<Record<ErrorKind, true>> = {
  'connection-lost': true,
  'connect-failed': true,
  'server-shutdown': true,
  'idle-timeout': true,
  killed: true,
  'read-only': true,
  'packet-too-large': true,
  'too-many-connections': true,
  'host-blocked': true,
  'auth-failed': true,
  deadlock: true,
  'lock-wait-timeout': true,
  'statement-timeout': true,
  interrupted: true,
  'cluster-not-ready': true,
  'not-connection-related': true,
};

/** Every ErrorKind, for counters, docs and exhaustive tests. */
export const ERROR_KINDS: readonly ErrorKind[] = Object.freeze(Object.keys(KIND_PRESENCE) as ErrorKind[]);
