import { utf8ByteLength } from '@goneaway/core/adapter';

/** COM_STMT_EXECUTE before its parameters: command byte, statement id, flags, iteration count. */
const EXECUTE_HEADER_BYTES = 1 + 4 + 1 + 4;
/** The largest length-encoded integer prefix of a string or blob value. */
const LENGTH_PREFIX_BYTES = 9;

/**
 * A ceiling of the COM_STMT_EXECUTE payload mysql2 sends for `values` (lib/packets/execute.js): binary
 * values, so a Buffer counts its own length, not the 2n + 3 of the text protocol's X'…' literal.
 * Off by at most a few bytes per value, which matters only within bytes of max_allowed_packet.
 * `undefined` for a value whose encoding is not measured here (mysql2 then decides on its own).
 */
export function executePacketBytes(values: readonly unknown[] | undefined): number | undefined {
  if (values === undefined || values.length === 0) return EXECUTE_HEADER_BYTES;
  let bytes = EXECUTE_HEADER_BYTES + Math.ceil(values.length / 8) + 1 + 2 * values.length;
  for (const value of values) {
    const valueBytes = binaryValueBytes(value);
    if (valueBytes === undefined) return undefined;
    bytes += valueBytes;
  }
  return bytes;
}

function binaryValueBytes(value: unknown): number | undefined {
  switch (typeof value) {
    case 'string':
      return LENGTH_PREFIX_BYTES + utf8ByteLength(value);
    case 'number':
    case 'bigint':
    case 'boolean':
      return 8;
    case 'object':
      if (value === null) return 0;
      if (Buffer.isBuffer(value)) return LENGTH_PREFIX_BYTES + value.length;
      if (value instanceof Date) return 12;
      return undefined;
    default:
      return undefined;
  }
}
