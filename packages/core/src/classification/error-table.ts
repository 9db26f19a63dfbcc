import type { ConnectionState, ErrorKind, RetryAdvice, SentState } from './classification.js';

/**
 * One sentence of remediation per kind; a row may carry a more specific one. Hints never contain
 * anything taken from the error itself.
 */
export const KIND_HINTS: Readonly<Record<ErrorKind, string>> = Object.freeze({
  'connection-lost':
    'The connection to the server was lost; goneaway evicts it and retries reads, so make writes idempotent to have them retried too.',
  'connect-failed':
    'Check that the server is running and reachable at the configured host and port; goneaway retries the connect within the outage budget.',
  'server-shutdown':
    'The server is shutting down or restarting; goneaway reconnects when it is back, within the outage budget.',
  'idle-timeout':
    "The server closed an idle connection (wait_timeout); keep goneaway's idle limit 'auto' so connections are retired before the server closes them.",
  killed:
    'The connection was killed on the server (KILL or a watchdog); find what kills connections if this happens often.',
  'read-only':
    'The server is read-only (a replica, or a primary demoted by a failover); point writes at the new primary: goneaway drops this connection so the pool reconnects.',
  'packet-too-large': 'Raise max_allowed_packet on the server or stream the BLOB in smaller chunks.',
  'too-many-connections':
    "Lower the pool's max across all instances of the app, or raise the server's max_connections or the user's connection limit.",
  'host-blocked':
    'The server blocked this host after too many failed connects: run FLUSH HOSTS and raise max_connect_errors.',
  'auth-failed': 'Check the user name, password and grants; authentication failures are never retried.',
  deadlock:
    'The transaction was rolled back to break a deadlock: run the whole transaction again (withTransactionRetry does this) and take locks in a consistent order.',
  'lock-wait-timeout':
    'Only the statement was rolled back after waiting for a row lock: find the long transaction holding the lock, or raise innodb_lock_wait_timeout.',
  'statement-timeout':
    'The statement ran past its time limit: make it faster or raise the limit (max_statement_time, max_execution_time or the query timeout).',
  interrupted:
    'The statement was stopped on the server (KILL QUERY); it is not run again because someone stopped it on purpose.',
  'cluster-not-ready':
    'The cluster node is not ready to serve queries (Galera not synced or not primary); connect to another node or wait until it has joined.',
  'not-connection-related':
    'The error is not about the connection, so goneaway leaves it to the application.',
});

/** Where an error comes from, which decides which field of the error a row is matched against. */
export type ErrorSource = 'server' | 'client' | 'driver' | 'socket' | 'message' | 'sql-state' | 'fallback';

/**
 * The connection phase a socket error belongs to: `connect` when the error carries `syscall: 'connect'`
 * (or a `connect E…` message, as mysql2's connect timeout does), `any` otherwise.
 */
export type ErrorPhase = 'connect' | 'any';

export interface ErrorTableRow {
  readonly source: ErrorSource;
  /**
   * What the row matches: the error number (`server`, `client`), the string `code` (`driver`, `socket`),
   * the whole message or its end after a knex `sql - ` prefix (`message`), or the `sqlState`.
   */
  readonly key: number | string;
  /** The server's or client library's symbolic name for an error number. */
  readonly symbol: string | undefined;
  readonly phase: ErrorPhase;
  /** When set, the row applies only if the (bounded) message matches; otherwise the next row for the key. */
  readonly messagePattern: RegExp | undefined;
  readonly kind: ErrorKind;
  readonly sent: SentState;
  readonly connection: ConnectionState;
  readonly retry: RetryAdvice;
  readonly hint: string;
}

interface RowExtras {
  readonly phase?: ErrorPhase;
  readonly messagePattern?: RegExp;
  readonly hint?: string;
}

function row(
  source: ErrorSource,
  key: number | string,
  symbol: string | undefined,
  kind: ErrorKind,
  sent: SentState,
  connection: ConnectionState,
  retry: RetryAdvice,
  extras: RowExtras = {},
): ErrorTableRow {
  return Object.freeze({
    source,
    key,
    symbol,
    phase: extras.phase ?? 'any',
    messagePattern: extras.messagePattern,
    kind,
    sent,
    connection,
    retry,
    hint: extras.hint ?? KIND_HINTS[kind],
  });
}

type RowArgs = [
  kind: ErrorKind,
  sent: SentState,
  connection: ConnectionState,
  retry: RetryAdvice,
  extras?: RowExtras,
];
const server = (errno: number, symbol: string, ...args: RowArgs) => row('server', errno, symbol, ...args);
const client = (errno: number, symbol: string, ...args: RowArgs) => row('client', errno, symbol, ...args);
const driver = (code: string, ...args: RowArgs) => row('driver', code, undefined, ...args);
const socket = (code: string, ...args: RowArgs) => row('socket', code, undefined, ...args);
const message = (text: string, ...args: RowArgs) => row('message', text, undefined, ...args);
const sqlState = (state: string, ...args: RowArgs) => row('sql-state', state, undefined, ...args);

const connectPhase: RowExtras = { phase: 'connect' };
const notSent: RowExtras = {
  hint: 'The connection was already closed, so the statement was never sent; goneaway runs it on a new connection.',
};

/**
 * Every error goneaway recognises, one row each. Rows for the same key are tried in order; the first
 * whose phase and message pattern fit wins. Anything not here is `not-connection-related`.
 *
 * Why some rows say what they say:
 * - `sent: 'no'` with `retry: 'safe'`: the statement cannot have run (no connection yet, a closed
 *   connection refused it client-side, or the server refused it before running it).
 * - 4031 (MySQL 8.0.24+) is written by the server when `wait_timeout` expires while it waits for the
 *   next command, and the server reads nothing after it: a statement that meets it never ran, whether
 *   the ERR arrived while idle (mysql2 then emits it with a numeric `code`) or as the reply to it.
 * - 1205 rolls back only the statement (`innodb_rollback_on_timeout` is off by default): the
 *   transaction is still open, so neither the statement alone nor the whole transaction is retried.
 * - read-only errors dispose of the connection: after a failover a new connection reaches the new
 *   primary. The write itself is not retried (it did reach a server, which refused it).
 * - 1153: the same packet fails again on any connection; the server also drops the socket after it.
 * - `PROTOCOL_SEQUENCE_TIMEOUT` (mysql2's client-side timeout) leaves the statement running on the
 *   server and its reply pending on the socket: the connection must go, the statement is not retried.
 */
export const ERROR_TABLE: readonly ErrorTableRow[] = Object.freeze([
  // Server errors (MySQL and MariaDB).
  server(1040, 'ER_CON_COUNT_ERROR', 'too-many-connections', 'no', 'dispose', 'safe'),
  server(1043, 'ER_HANDSHAKE_ERROR', 'connect-failed', 'no', 'dispose', 'safe'),
  server(1044, 'ER_DBACCESS_DENIED_ERROR', 'auth-failed', 'no', 'usable', 'never'),
  server(1045, 'ER_ACCESS_DENIED_ERROR', 'auth-failed', 'no', 'dispose', 'never'),
  server(1047, 'ER_UNKNOWN_COM_ERROR', 'cluster-not-ready', 'no', 'dispose', 'safe'),
  server(1053, 'ER_SERVER_SHUTDOWN', 'server-shutdown', 'maybe', 'dispose', 'if-idempotent'),
  server(1129, 'ER_HOST_IS_BLOCKED', 'host-blocked', 'no', 'dispose', 'safe'),
  server(1130, 'ER_HOST_NOT_PRIVILEGED', 'auth-failed', 'no', 'dispose', 'never'),
  server(1152, 'ER_ABORTING_CONNECTION', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  server(1153, 'ER_NET_PACKET_TOO_LARGE', 'packet-too-large', 'yes', 'dispose', 'never'),
  server(1158, 'ER_NET_READ_ERROR', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  server(1159, 'ER_NET_READ_INTERRUPTED', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  server(1160, 'ER_NET_ERROR_ON_WRITE', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  server(1161, 'ER_NET_WRITE_INTERRUPTED', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  // Galera: the node lost the primary component while committing ("… (provider status: Not connected
  // to Primary Component)"). Its write set may have reached the others first, so the commit may have
  // happened in the cluster (seen in test/cluster/failover: a rerun INSERT met its own row): a lost
  // connection's outcome, never a refusal. The connection goes (the node is out of the cluster).
  server(1180, 'ER_ERROR_DURING_COMMIT', 'connection-lost', 'maybe', 'dispose', 'if-idempotent', {
    messagePattern: /not connected to primary component/i,
  }),
  server(1180, 'ER_ERROR_DURING_COMMIT', 'not-connection-related', 'yes', 'usable', 'never', {
    hint: 'COMMIT failed inside the storage engine: check the server error log before running the transaction again.',
  }),
  server(1184, 'ER_NEW_ABORTING_CONNECTION', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  server(1203, 'ER_TOO_MANY_USER_CONNECTIONS', 'too-many-connections', 'no', 'dispose', 'safe'),
  server(1205, 'ER_LOCK_WAIT_TIMEOUT', 'lock-wait-timeout', 'yes', 'usable', 'never'),
  server(1213, 'ER_LOCK_DEADLOCK', 'deadlock', 'yes', 'usable', 'whole-transaction'),
  server(1226, 'ER_USER_LIMIT_REACHED', 'too-many-connections', 'no', 'dispose', 'safe'),
  // 1290 is also --secure-file-priv, --skip-grant-tables, …: only the read-only variants are read-only.
  server(1290, 'ER_OPTION_PREVENTS_STATEMENT', 'read-only', 'yes', 'dispose', 'never', {
    messagePattern: /read[-_ ]only|^$/i,
  }),
  server(1290, 'ER_OPTION_PREVENTS_STATEMENT', 'not-connection-related', 'yes', 'usable', 'never'),
  server(1317, 'ER_QUERY_INTERRUPTED', 'interrupted', 'yes', 'usable', 'never'),
  server(1698, 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'auth-failed', 'no', 'dispose', 'never'),
  server(1792, 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION', 'read-only', 'yes', 'dispose', 'never'),
  server(1836, 'ER_READ_ONLY_MODE', 'read-only', 'yes', 'dispose', 'never'),
  server(1927, 'ER_CONNECTION_KILLED', 'killed', 'maybe', 'dispose', 'if-idempotent'),
  server(1969, 'ER_STATEMENT_TIMEOUT', 'statement-timeout', 'yes', 'usable', 'never'),
  server(3024, 'ER_QUERY_TIMEOUT', 'statement-timeout', 'yes', 'usable', 'never'),
  server(3032, 'ER_SERVER_OFFLINE_MODE', 'server-shutdown', 'no', 'dispose', 'safe'),
  server(3101, 'ER_TRANSACTION_ROLLBACK_DURING_COMMIT', 'deadlock', 'yes', 'usable', 'whole-transaction', {
    hint: 'A conflicting transaction committed first and this one was rolled back at COMMIT: run the whole transaction again (withTransactionRetry does this).',
  }),
  server(4031, 'ER_CLIENT_INTERACTION_TIMEOUT', 'idle-timeout', 'no', 'dispose', 'safe'),

  // Client library errors (libmysqlclient, MariaDB Connector/C and drivers that reuse their numbers).
  client(2002, 'CR_CONNECTION_ERROR', 'connect-failed', 'no', 'dispose', 'safe'),
  client(2003, 'CR_CONN_HOST_ERROR', 'connect-failed', 'no', 'dispose', 'safe'),
  client(2005, 'CR_UNKNOWN_HOST', 'connect-failed', 'no', 'dispose', 'safe'),
  client(2006, 'CR_SERVER_GONE_ERROR', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  client(2013, 'CR_SERVER_LOST', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  client(2014, 'CR_COMMANDS_OUT_OF_SYNC', 'connection-lost', 'no', 'dispose', 'safe', notSent),
  client(2026, 'CR_SSL_CONNECTION_ERROR', 'connect-failed', 'no', 'dispose', 'safe'),
  client(2045, 'CR_SHARED_MEMORY_CONNECT_ABANDONED_ERROR', 'connect-failed', 'no', 'dispose', 'safe'),
  client(2055, 'CR_SERVER_LOST_EXTENDED', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),

  // MariaDB Connector/Node.js (the `mariadb` package, under Prisma's MariaDB adapter): its own numbers.
  // A command queued on a connection already closed never reached the server.
  client(45001, 'ER_CONNECTION_ALREADY_CLOSED', 'connection-lost', 'no', 'dispose', 'safe', notSent),
  client(45009, 'ER_SOCKET_UNEXPECTED_CLOSE', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  client(45012, 'ER_CONNECTION_TIMEOUT', 'connect-failed', 'no', 'dispose', 'safe'),
  client(45013, 'ER_CMD_CONNECTION_CLOSED', 'connection-lost', 'no', 'dispose', 'safe', notSent),
  client(45019, 'ER_SOCKET', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),

  // mysql2 (and mysqljs) codes without an error number.
  // Lost during the handshake (a proxy in front of a restarting server accepts, then closes): nothing was sent.
  driver('PROTOCOL_CONNECTION_LOST', 'connect-failed', 'no', 'dispose', 'safe', connectPhase),
  driver('PROTOCOL_CONNECTION_LOST', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  driver('PROTOCOL_SEQUENCE_TIMEOUT', 'statement-timeout', 'maybe', 'dispose', 'never'),
  driver('PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'connection-lost', 'no', 'dispose', 'safe', notSent),
  driver('PROTOCOL_ENQUEUE_AFTER_QUIT', 'connection-lost', 'no', 'dispose', 'safe', notSent),
  driver('PROTOCOL_ENQUEUE_HANDSHAKE_TWICE', 'connection-lost', 'no', 'dispose', 'safe', notSent),
  driver('HANDSHAKE_SSL_ERROR', 'connect-failed', 'no', 'dispose', 'safe'),
  driver('HANDSHAKE_NO_SSL_SUPPORT', 'connect-failed', 'no', 'dispose', 'never', {
    hint: 'The client requires TLS but the server does not offer it: enable TLS on the server or change the ssl option.',
  }),
  driver('AUTH_SWITCH_PLUGIN_ERROR', 'auth-failed', 'no', 'dispose', 'never'),

  // Node.js socket errors, passed through by the drivers.
  socket('ECONNREFUSED', 'connect-failed', 'no', 'dispose', 'safe'),
  socket('ENOTFOUND', 'connect-failed', 'no', 'dispose', 'safe'),
  socket('EAI_AGAIN', 'connect-failed', 'no', 'dispose', 'safe'),
  socket('ETIMEDOUT', 'connect-failed', 'no', 'dispose', 'safe', connectPhase),
  socket('ETIMEDOUT', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  socket('EHOSTUNREACH', 'connect-failed', 'no', 'dispose', 'safe', connectPhase),
  socket('EHOSTUNREACH', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  socket('ENETUNREACH', 'connect-failed', 'no', 'dispose', 'safe', connectPhase),
  socket('ENETUNREACH', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  socket('ECONNRESET', 'connect-failed', 'no', 'dispose', 'safe', connectPhase),
  socket('ECONNRESET', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  socket('EPIPE', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  socket('ECONNABORTED', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),

  // Errors mysql2 raises with no code at all: a command refused client-side by a closed connection.
  message(
    "Can't add new command when connection is in closed state",
    'connection-lost',
    'no',
    'dispose',
    'safe',
    notSent,
  ),
  message("Can't write in closed state", 'connection-lost', 'no', 'dispose', 'safe', notSent),
  // knex's `.timeout(ms)` (KnexTimeoutError, no code): the statement may still run; knex drops the connection.
  message('Defined query timeout', 'statement-timeout', 'maybe', 'dispose', 'never', {
    messagePattern: /^Defined query timeout of \d+ms exceeded/,
  }),

  // Last resort for errors that only carry a SQLSTATE.
  sqlState('08S01', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  sqlState('08001', 'connect-failed', 'no', 'dispose', 'safe'),
  sqlState('08004', 'connect-failed', 'no', 'dispose', 'safe'),
  sqlState('08003', 'connection-lost', 'no', 'dispose', 'safe'),
  sqlState('08006', 'connection-lost', 'maybe', 'dispose', 'if-idempotent'),
  sqlState('40001', 'deadlock', 'yes', 'usable', 'whole-transaction'),
]);

/**
 * What a fatal driver error that no row knows means: the driver has closed the connection, and a
 * statement in flight may have run (or, in the connect phase, nothing was sent).
 */
export const UNKNOWN_FATAL_ROW: ErrorTableRow = row(
  'fallback',
  'fatal',
  undefined,
  'connection-lost',
  'maybe',
  'dispose',
  'if-idempotent',
);
export const UNKNOWN_FATAL_CONNECT_ROW: ErrorTableRow = row(
  'fallback',
  'fatal-connect',
  undefined,
  'connect-failed',
  'no',
  'dispose',
  'safe',
);
/** Everything else: duplicate keys, syntax errors, application errors. */
export const UNKNOWN_ROW: ErrorTableRow = row(
  'fallback',
  'unknown',
  undefined,
  'not-connection-related',
  'yes',
  'usable',
  'never',
);
