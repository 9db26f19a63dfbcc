import { randomBytes } from 'node:crypto';

/**
 * The statements of the commit marker, MariaDB 10.3+ and MySQL 8.0+ alike. Every value is put into
 * the SQL text by goneaway itself (a hex id it generated, a connection id it checked, a validated
 * table name), so they run on any driver, with or without placeholders.
 */

const MARKER_ID = /^[0-9a-f]{32}$/;

/** A fresh random marker id: 16 bytes as 32 lowercase hex digits (stored as BINARY(16)). */
export function newMarkerId(): string {
  return randomBytes(16).toString('hex');
}

function idLiteral(id: string): string {
  if (!MARKER_ID.test(id)) throw new TypeError('commit marker: an id is 32 lowercase hex digits');
  return `X'${id}'`;
}

function threadId(connectionId: number): number {
  if (!Number.isSafeInteger(connectionId) || connectionId <= 0) {
    throw new TypeError('commit marker: a connection id is a positive integer');
  }
  return connectionId;
}

/**
 * The marker table. `connection_id` is informative (which session wrote the marker); `created_at`
 * is what the prune reads, hence its index.
 */
export function createMarkerTableSql(quotedTable: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${quotedTable} (` +
    'id BINARY(16) NOT NULL PRIMARY KEY, ' +
    'connection_id BIGINT UNSIGNED NOT NULL, ' +
    'created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), ' +
    'KEY created_at (created_at)' +
    ') ENGINE=InnoDB'
  );
}

/** Fails with 1146 when the table is missing, 1142 when the user may not read it; reads no row. */
export function probeMarkerTableSql(quotedTable: string): string {
  return `SELECT 1 FROM ${quotedTable} LIMIT 0`;
}

/**
 * The marker insert, the transaction's last statement. `LAST_INSERT_ID(CONNECTION_ID())` stores the
 * session id and also makes it the insert id of the OK packet (the value of `expr` in
 * `LAST_INSERT_ID(expr)` is what the client API reports), so the session id needed to KILL this
 * session after a lost COMMIT arrives with the insert, in the same round trip.
 */
export function insertMarkerSql(quotedTable: string, id: string): string {
  return `INSERT INTO ${quotedTable} (id, connection_id) VALUES (${idLiteral(id)}, LAST_INSERT_ID(CONNECTION_ID()))`;
}

/** Fallback for a driver that does not report the insert id: one more round trip. */
export const CONNECTION_ID_SQL = 'SELECT CONNECTION_ID() AS connection_id';

/**
 * Has the transaction that wrote the marker ended, and how? A locking read of the row: while the
 * writing transaction is alive it holds the row's lock and NOWAIT fails at once (MariaDB 1205,
 * MySQL 3572); once it ended the row is there (committed) or not (rolled back). A plain read would
 * not do: it cannot see an uncommitted row, so "absent" would also mean "not committed yet".
 */
export function probeMarkerSql(quotedTable: string, id: string): string {
  return `SELECT 1 AS present FROM ${quotedTable} WHERE id = ${idLiteral(id)} FOR UPDATE NOWAIT`;
}

/** Error numbers of a NOWAIT locking read that met a lock: MariaDB's lock wait timeout, MySQL's ER_LOCK_NOWAIT. */
export const LOCKED_ERRNOS: ReadonlySet<number> = new Set([1205, 3572]);

/** What the session is doing (`Sleep`, `Query`, `Killed`, …); no row once it is gone. */
export function sessionCommandSql(connectionId: number): string {
  return `SELECT COMMAND AS command FROM information_schema.PROCESSLIST WHERE ID = ${threadId(connectionId)}`;
}

/** `Uptime` in seconds; any user may read it (MariaDB and MySQL alike). */
export const SERVER_UPTIME_SQL = "SHOW GLOBAL STATUS LIKE 'Uptime'";

/** A user may KILL its own sessions without any privilege; 1094 means it is already gone. */
export function killSessionSql(connectionId: number): string {
  return `KILL CONNECTION ${threadId(connectionId)}`;
}

export const UNKNOWN_THREAD_ERRNO = 1094;

export function deleteMarkersSql(quotedTable: string, ids: readonly string[]): string {
  if (ids.length === 0) throw new TypeError('commit marker: nothing to delete');
  return `DELETE FROM ${quotedTable} WHERE id IN (${ids.map(idLiteral).join(', ')})`;
}

/** Markers older than `olderThanMs`, by the server's clock (the same clock that stamped them). */
export function pruneMarkersSql(quotedTable: string, olderThanMs: number): string {
  const micros = Math.round(olderThanMs * 1000);
  if (!Number.isSafeInteger(micros) || micros <= 0) {
    throw new TypeError('commit marker: the prune age is a positive number of milliseconds');
  }
  return `DELETE FROM ${quotedTable} WHERE created_at < NOW(3) - INTERVAL ${micros} MICROSECOND`;
}
