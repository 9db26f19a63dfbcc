import { utf8ByteLength } from '@goneaway/core/adapter';

/** mariadb sends a Buffer parameter this large or larger with COM_STMT_SEND_LONG_DATA, in a packet of its own. */
export const LONG_DATA_THRESHOLD = 16_384;

function lengthEncodedBytes(length: number): number {
  if (length < 251) return 1;
  if (length < 65_536) return 3;
  if (length < 16_777_216) return 4;
  return 9;
}

/** The bytes one value takes on the wire, without its length prefix (a lower bound for the text protocol). */
function valueBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return utf8ByteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (typeof value === 'number' || typeof value === 'bigint') return 8;
  if (typeof value === 'boolean') return 1;
  if (value instanceof Date) return 12;
  try {
    return utf8ByteLength(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
}

/**
 * The largest packet (payload bytes, the 4-byte packet header not counted, as the server counts
 * max_allowed_packet) that mariadb sends for one statement.
 *
 * - `execute` (the binary protocol, Prisma's default): COM_STMT_PREPARE carries the SQL; each Buffer
 *   of 16 KB or more goes alone in a COM_STMT_SEND_LONG_DATA packet (7 bytes + the value); the other
 *   values share the COM_STMT_EXECUTE packet. Exact for the values Prisma passes (strings, numbers,
 *   bigints, Buffers, null).
 * - `query` (the text protocol, `useTextProtocol`): the SQL with every value inlined; escaping only adds
 *   bytes, so this is a lower bound. A statement refused on a lower bound can never fit.
 */
export function largestPacketBytes(
  kind: 'query' | 'execute',
  sql: string,
  values: readonly unknown[],
): number {
  const sqlBytes = utf8ByteLength(sql);
  if (kind === 'query') {
    let total = 1 + sqlBytes;
    for (const value of values) total += valueBytes(value);
    return total;
  }
  let largest = 1 + sqlBytes;
  // COM_STMT_EXECUTE: command, statement id, flags, iteration count, null bitmap, new-params flag, types.
  let execute = 1 + 4 + 1 + 4 + ((values.length + 7) >> 3) + 1 + 2 * values.length;
  for (const value of values) {
    const bytes = valueBytes(value);
    if (Buffer.isBuffer(value) && bytes >= LONG_DATA_THRESHOLD) {
      largest = Math.max(largest, 7 + bytes);
    } else if (typeof value === 'string' || ArrayBuffer.isView(value) || typeof value === 'object') {
      execute += value === null || value === undefined ? 0 : lengthEncodedBytes(bytes) + bytes;
    } else {
      execute += bytes;
    }
  }
  return Math.max(largest, execute);
}
