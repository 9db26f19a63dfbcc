/** The COM_QUERY command byte that precedes the SQL text in the packet payload. */
export const COM_QUERY_HEADER_BYTES = 1;

/**
 * The payload size the server compares with max_allowed_packet for a COM_QUERY carrying `sqlBytes`
 * bytes of SQL: the command byte plus the text. The 4-byte packet headers are not counted, and a
 * payload of 16 MB or more, which the client splits into 0xFFFFFF-byte packets, is counted whole
 * (measured on MariaDB 10.11 at 64 KB, 1 MB, 16 MB and 32 MB: see assert-packet-fits.ts).
 */
export function commandPacketBytes(sqlBytes: number): number {
  return COM_QUERY_HEADER_BYTES + sqlBytes;
}
