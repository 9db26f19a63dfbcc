/**
 * Driver-shaped but driver-free: the caller supplies the driver's own formatter (for mysql2,
 * `connection.format`), so every adapter measures packets the same way.
 *
 * The exact size of the COM_QUERY payload mysql2 will send for `sql` + `values`, without building the
 * giant string a large BLOB would become. mysql2 formats bindings client-side (sql-escaper's
 * `format`, called from lib/base/connection.js `query`), so the packet is the formatted SQL text.
 *
 * Values at or above LARGE_VALUE_BYTES are measured arithmetically and replaced by empty stand-ins
 * for the one real `format` call, so placeholder handling stays exactly mysql2's own while memory
 * does not double: a Buffer formats as X'<hex>' (2n + 3 bytes) and a string as '<escaped>'
 * (UTF-8 bytes + one byte per escaped character + 2).
 */
const LARGE_VALUE_BYTES = 16 * 1024;
const EMPTY_BUFFER = Buffer.alloc(0);

/** Cheap ceiling of the formatted size: when it fits, nothing else needs to be computed. */
export function queryBytesCeiling(sql: string, values: readonly unknown[] | undefined): number {
  let bytes = sql.length * 3;
  if (values === undefined) return bytes;
  for (const value of values) {
    bytes += valueCeiling(value);
    if (bytes === Number.POSITIVE_INFINITY) return bytes;
  }
  return bytes;
}

function valueCeiling(value: unknown): number {
  switch (typeof value) {
    case 'string':
      // A UTF-16 unit is at most 3 UTF-8 bytes; an escaped character is 2 ASCII bytes.
      return value.length * 3 + 2;
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      return 32;
    case 'object':
      if (value === null) return 4;
      if (Buffer.isBuffer(value)) return value.length * 2 + 3;
      if (value instanceof Date) return 64;
      return Number.POSITIVE_INFINITY;
    default:
      return Number.POSITIVE_INFINITY;
  }
}

export type QueryFormatter = (sql: string, values: unknown[]) => string;

/** Exact UTF-8 byte length of the SQL mysql2 would send (not counting the command byte). */
export function formattedQueryBytes(
  sql: string,
  values: readonly unknown[] | undefined,
  format: QueryFormatter,
): number {
  if (values === undefined || values.length === 0) return Buffer.byteLength(format(sql, []), 'utf8');
  let extra = 0;
  let standIns: unknown[] | undefined;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    let delta = -1;
    let standIn: unknown;
    if (Buffer.isBuffer(value) && value.length >= LARGE_VALUE_BYTES / 2) {
      delta = value.length * 2;
      standIn = EMPTY_BUFFER;
    } else if (typeof value === 'string' && value.length >= LARGE_VALUE_BYTES / 3) {
      delta = Buffer.byteLength(value, 'utf8') + countEscapedCharacters(value);
      standIn = '';
    }
    if (delta >= 0) {
      standIns ??= values.slice();
      standIns[index] = standIn;
      extra += delta;
    }
  }
  const formatted = format(sql, standIns ?? values.slice());
  return Buffer.byteLength(formatted, 'utf8') + extra;
}

/** Characters sql-escaper's escapeString prefixes with a backslash: \0 \b \t \n \r \x1a " ' \\ */
function countEscapedCharacters(value: string): number {
  let count = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code === 0 || code === 8 || code === 9 || code === 10 || code === 13 || code === 26) count++;
    else if (code === 34 || code === 39 || code === 92) count++;
  }
  return count;
}
