import { packetFits } from '@goneaway/core/adapter';
import { describe, expect, it } from 'vitest';
import { checkInput } from './check-input.fixture.js';
import {
  checkMaxAllowedPacket,
  largestHexBlobBytes,
  largestStatementBytes,
  STATEMENT_RESERVE_BYTES,
} from './check-max-allowed-packet.js';

describe('checkMaxAllowedPacket', () => {
  it('derives the largest statement from core packetFits: one more byte would not fit', () => {
    for (const max of [65_536, 1_048_576, 16_777_216]) {
      const sql = largestStatementBytes(max);
      expect(packetFits(1 + sql, max)).toBe(true);
      expect(packetFits(1 + sql + 1, max)).toBe(false);
    }
  });

  it('halves the room for a BLOB: mysql2 sends it as X followed by quoted hex', () => {
    const max = 1_048_576;
    const blob = largestHexBlobBytes(max);
    const statement = `${'x'.repeat(STATEMENT_RESERVE_BYTES)}X'${'ab'.repeat(blob)}'`;
    expect(packetFits(1 + statement.length, max)).toBe(true);
    expect(packetFits(1 + statement.length + 2, max)).toBe(false);
  });

  it('warns below 4 MiB and says what goneaway does about a larger statement', () => {
    const bare = checkMaxAllowedPacket(checkInput({ limits: { maxAllowedPacket: 1_048_576 } }));
    expect(bare.severity).toBe('warn');
    expect(bare.values.largestHexBlobBytes).toBe(largestHexBlobBytes(1_048_576));
    expect(bare.summary).toMatch(/drop the connection/);
    const wrapped = checkMaxAllowedPacket(
      checkInput({ limits: { maxAllowedPacket: 1_048_576 }, pool: { goneaway: true } }),
    );
    expect(wrapped.summary).toMatch(/PacketTooLargeError/);
    expect(checkMaxAllowedPacket(checkInput()).severity).toBe('ok');
  });
});
