import { describe, expect, it } from 'vitest';
import { formatBytes, groupDigits } from './format-bytes.js';
import { formatDuration, formatSeconds } from './format-duration.js';

describe('formatDuration / formatSeconds / formatBytes', () => {
  it('keeps sub-second precision under a minute and whole units above', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(4_750)).toBe('4.75 s');
    expect(formatDuration(30_000)).toBe('30 s');
    expect(formatDuration(150_000)).toBe('2 min 30 s');
    expect(formatDuration(28_770_000)).toBe('7 h 59 min 30 s');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('never');
    expect(formatSeconds(28_800)).toBe('28800 s (8 h)');
    expect(formatSeconds(0.5)).toBe('0.5 s');
  });

  it('uses binary units as max_allowed_packet does', () => {
    expect(formatBytes(900)).toBe('900 bytes');
    expect(formatBytes(1_048_576)).toBe('1 MiB');
    expect(formatBytes(524_157)).toBe('511.87 KiB');
    expect(groupDigits(1_048_574)).toBe('1,048,574');
  });
});
