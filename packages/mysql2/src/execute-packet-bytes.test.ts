import { describe, expect, it } from 'vitest';
import { executePacketBytes } from './execute-packet-bytes.js';

describe('executePacketBytes', () => {
  it('counts a Buffer by its own length (binary protocol), not as hex', () => {
    const bytes = executePacketBytes([Buffer.alloc(1000)]);
    expect(bytes).toBeGreaterThanOrEqual(1000);
    expect(bytes).toBeLessThan(1050);
  });

  it('counts strings in UTF-8 bytes', () => {
    const ascii = executePacketBytes(['a'.repeat(100)]) ?? 0;
    const wide = executePacketBytes(['é'.repeat(100)]) ?? 0;
    expect(wide - ascii).toBe(100);
  });

  it('is a ceiling that grows with each value', () => {
    const one = executePacketBytes([1]) ?? 0;
    const two = executePacketBytes([1, 'x', null, new Date(0)]) ?? 0;
    expect(two).toBeGreaterThan(one);
    expect(executePacketBytes(undefined)).toBe(executePacketBytes([]));
  });

  it('does not measure values whose encoding it does not know', () => {
    expect(executePacketBytes([{ json: true }])).toBeUndefined();
    expect(executePacketBytes([Symbol('s')])).toBeUndefined();
  });
});
