import { describe, expect, it } from 'vitest';
import { isPacketTooLarge } from '../errors/packet-too-large-error.js';
import { assertPacketFits, packetFits } from './assert-packet-fits.js';
import { commandPacketBytes } from './command-packet-bytes.js';
import { utf8ByteLength } from './utf8-byte-length.js';

describe('utf8ByteLength', () => {
  it.each([
    ['', 0],
    ['select 1', 8],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['\ud800', 3],
  ])('%j is %d bytes', (text, bytes) => {
    expect(utf8ByteLength(text)).toBe(bytes);
    expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
  });
});

describe('commandPacketBytes', () => {
  it('adds the COM_QUERY command byte to the SQL bytes', () => {
    expect(commandPacketBytes(0)).toBe(1);
    expect(commandPacketBytes(utf8ByteLength("select 'é'"))).toBe(12);
  });
});

describe('assertPacketFits', () => {
  const limits = { maxAllowedPacket: 1024 };

  it('accepts up to max−1 bytes and rejects max and above', () => {
    expect(packetFits(1023, 1024)).toBe(true);
    expect(packetFits(1024, 1024)).toBe(false);
    expect(() => assertPacketFits(1023, limits)).not.toThrow();
    for (const bytes of [1024, 1025, 10_000_000]) {
      let caught: unknown;
      try {
        assertPacketFits(bytes, limits, "insert into t (b) values ('secret-blob')");
      } catch (error) {
        caught = error;
      }
      expect(isPacketTooLarge(caught)).toBe(true);
      expect(caught).toMatchObject({
        code: 'GONEAWAY_PACKET_TOO_LARGE',
        packetBytes: bytes,
        maxAllowedPacket: 1024,
      });
      expect(String((caught as Error).message)).not.toContain('secret-blob');
    }
  });
});
