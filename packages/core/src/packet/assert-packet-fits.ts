import { PacketTooLargeError } from '../errors/packet-too-large-error.js';
import type { ServerLimits } from '../limits/server-limits.js';

/**
 * True when the server accepts a command payload of `packetBytes` (see commandPacketBytes).
 *
 * The boundary is strict: measured on MariaDB 10.11 with max_allowed_packet at 64 KB, 1 MB + 1 KB,
 * 16 MB and 32 MB, a payload of max−1 bytes runs and a payload of exactly max bytes is refused
 * (ER_NET_PACKET_TOO_LARGE, or a reset socket): the server's net_realloc rejects
 * `length >= max_packet_size` because it keeps one byte for a terminating NUL.
 */
export function packetFits(packetBytes: number, maxAllowedPacket: number): boolean {
  return packetBytes < maxAllowedPacket;
}

/**
 * Throws PacketTooLargeError, before anything is sent, when the server would refuse the packet and
 * drop the connection. `statement` is only used for its shape (literals removed) in the message.
 */
export function assertPacketFits(
  packetBytes: number,
  limits: Pick<ServerLimits, 'maxAllowedPacket'>,
  statement?: string,
): void {
  if (packetFits(packetBytes, limits.maxAllowedPacket)) return;
  throw new PacketTooLargeError({
    packetBytes,
    maxAllowedPacket: limits.maxAllowedPacket,
    rejectedBy: 'goneaway',
    ...(statement === undefined ? {} : { statement }),
  });
}
