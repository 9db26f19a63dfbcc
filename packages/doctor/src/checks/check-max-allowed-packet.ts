import { COM_QUERY_HEADER_BYTES } from '@goneaway/core/adapter';
import type { Finding } from '../doctor-report.js';
import { formatBytes, groupDigits } from '../format/format-bytes.js';
import type { CheckInput } from './check-input.js';

/** Below this (MySQL 5.7's default) storing ordinary files or large JSON documents fails. */
export const SMALL_PACKET_BYTES = 4 * 1024 * 1024;
/** SQL around the value in the INSERT the largest-BLOB figure assumes (table, columns, other values). */
export const STATEMENT_RESERVE_BYTES = 256;
/** mysql2 formats a Buffer binding as X'<hex>': two characters per byte plus `X''`. */
const HEX_LITERAL_OVERHEAD = 3;

/**
 * The server refuses a command whose payload (command byte + SQL) is max_allowed_packet bytes or more
 * (see core's packetFits: the boundary is strict), so the largest SQL text is max − 2 bytes.
 */
export function largestStatementBytes(maxAllowedPacket: number): number {
  return Math.max(0, maxAllowedPacket - COM_QUERY_HEADER_BYTES - 1);
}

/** The largest BLOB mysql2 can bind into one INSERT with `reserveBytes` of other SQL around it. */
export function largestHexBlobBytes(
  maxAllowedPacket: number,
  reserveBytes = STATEMENT_RESERVE_BYTES,
): number {
  return Math.max(
    0,
    Math.floor((largestStatementBytes(maxAllowedPacket) - HEX_LITERAL_OVERHEAD - reserveBytes) / 2),
  );
}

export function checkMaxAllowedPacket({ facts, pool }: CheckInput): Finding {
  const max = facts.limits.maxAllowedPacket;
  const statement = largestStatementBytes(max);
  const blob = largestHexBlobBytes(max);
  // Quotes around the string; characters that need escaping (' \ NUL newline) take two bytes each.
  const text = Math.max(0, statement - 2 - STATEMENT_RESERVE_BYTES);
  const small = max < SMALL_PACKET_BYTES;
  const overflow = pool.goneaway
    ? "goneaway's packet guard rejects a larger statement before sending it (PacketTooLargeError) and the connection stays usable"
    : 'a larger statement makes the server drop the connection: the app sees ECONNRESET or "server has gone away", with the whole hex blob in the error message';
  const summary =
    `max_allowed_packet is ${formatBytes(max)} (${groupDigits(max)} bytes): the largest statement is ` +
    `${groupDigits(statement)} bytes of SQL; a BLOB is sent hex-encoded (X'…', 2 bytes per byte), so one ` +
    `INSERT can carry a BLOB of up to ${groupDigits(blob)} bytes (${formatBytes(blob)}), and a text value of up ` +
    `to about ${formatBytes(text)}; ${overflow}.`;
  const guard = pool.goneaway
    ? ''
    : ' goneAway() checks every statement against max_allowed_packet before sending it, so an oversized insert fails alone instead of taking the connection down.';
  const fix = small
    ? 'If the app stores files or large documents, raise it: SET GLOBAL max_allowed_packet = 67108864 ' +
      '(64 MiB; also max_allowed_packet = 64M under [mysqld] in my.cnf; new connections get it), or keep ' +
      `large files out of the database or split them into chunks under ${formatBytes(blob)}.${guard}`
    : `Nothing to change unless values larger than ${formatBytes(blob)} are expected.${guard}`;
  return {
    id: 'max-allowed-packet',
    title: 'max_allowed_packet',
    severity: small ? 'warn' : 'ok',
    summary,
    fix,
    values: {
      maxAllowedPacket: max,
      largestStatementBytes: statement,
      largestHexBlobBytes: blob,
      largestTextBytes: text,
      statementReserveBytes: STATEMENT_RESERVE_BYTES,
    },
  };
}
