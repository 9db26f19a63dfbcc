import { driverNumber } from './driver-number.js';
import type { QueryableConnection, ServerFlavor, ServerLimits } from './server-limits.js';

/**
 * One statement for MariaDB and MySQL alike. MariaDB has no `super_read_only` (referencing it fails
 * with 1193), and neither server has a variables table the other has (MariaDB:
 * information_schema.GLOBAL_VARIABLES, MySQL 8: performance_schema.global_variables), so the
 * flavours are told apart by comment syntax: MariaDB executes `/*M! … *\/` comments, MySQL skips
 * them as plain comments.
 *   MariaDB reads: `0 AS super_read_only, '<the MySQL part as a string>' AS mysql_only_part,`
 *   MySQL reads:   `@@global.super_read_only AS super_read_only,`
 * Proven on a real MariaDB 10.11 (test/core/limits-read.test.ts); MySQL needs 5.7.8+ for the variable.
 */
export const SERVER_LIMITS_SQL =
  'SELECT @@session.wait_timeout AS wait_timeout,' +
  ' @@session.interactive_timeout AS interactive_timeout,' +
  ' @@session.max_allowed_packet AS max_allowed_packet,' +
  ' @@global.read_only AS read_only,' +
  " /*M! 0 AS super_read_only, '*/ @@global.super_read_only AS super_read_only, /*M! ' AS mysql_only_part, */" +
  ' version() AS version,' +
  ' CONNECTION_ID() AS connection_id';

/**
 * Reads the limits that decide how long a pooled connection may live and how large a statement may
 * be, in one round trip (meant to run right after connect, beside the user's afterCreate).
 */
export async function readServerLimits(connection: QueryableConnection): Promise<ServerLimits> {
  const rows = await connection.query(SERVER_LIMITS_SQL);
  const row = rows[0];
  if (row === undefined) throw new TypeError('readServerLimits: the server returned no row');
  const version = String(row.version ?? '');
  return {
    waitTimeoutSeconds: readNumber(row, 'wait_timeout'),
    interactiveTimeoutSeconds: readNumber(row, 'interactive_timeout'),
    maxAllowedPacket: readNumber(row, 'max_allowed_packet'),
    readOnly: readFlag(row.read_only),
    superReadOnly: readFlag(row.super_read_only),
    version,
    flavor: flavorOf(version),
    connectionId: readNumber(row, 'connection_id'),
  };
}

/** `10.11.19-MariaDB-0+deb12u1` (also behind MaxScale's `5.5.5-` prefix) → mariadb; `8.0.36` → mysql. */
export function flavorOf(version: string): ServerFlavor {
  if (/mariadb/i.test(version)) return 'mariadb';
  if (/^\d+\.\d+/.test(version)) return 'mysql';
  return 'unknown';
}

function readNumber(row: Record<string, unknown>, column: string): number {
  const raw = row[column];
  const value = driverNumber(raw);
  if (!Number.isFinite(value)) {
    throw new TypeError(`readServerLimits: column ${column} is not a number (got ${typeof raw})`);
  }
  return value;
}

function readFlag(raw: unknown): boolean {
  if (typeof raw === 'string') return raw === '1' || raw.toUpperCase() === 'ON';
  return raw === 1 || raw === true || raw === 1n;
}
