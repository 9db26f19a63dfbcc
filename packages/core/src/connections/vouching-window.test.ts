import { describe, expect, it } from 'vitest';
import { VouchingWindow } from './vouching-window.js';

describe('VouchingWindow', () => {
  it('vouches for connections idle no longer than one that has just worked, within the window', () => {
    const window = new VouchingWindow(500);
    window.prove(1_000, 2_000, 10_002_000);
    expect(window.vouchesFor(1_000, 2_100, 10_002_100)).toBe(true);
    expect(window.vouchesFor(1_500, 2_100, 10_002_100)).toBe(true);
    // Idle since before the proven one: it may have gone silent where that one did not.
    expect(window.vouchesFor(999, 2_100, 10_002_100)).toBe(false);
    // The proof is older than the window.
    expect(window.vouchesFor(1_500, 2_501, 10_002_501)).toBe(false);
  });

  it('keeps the earliest idle-since of each slice, so a later proof does not hide an earlier, wider one', () => {
    const window = new VouchingWindow(500);
    window.prove(100, 1_000, 1_000);
    window.prove(900, 1_010, 1_010);
    window.prove(950, 1_300, 1_300);
    expect(window.vouchesFor(100, 1_400, 1_400)).toBe(true);
    // The slice holding the idle-since-100 proof has left the window; the later ones have not.
    expect(window.vouchesFor(100, 1_600, 1_600)).toBe(false);
    expect(window.vouchesFor(950, 1_600, 1_600)).toBe(true);
  });

  it('forgets every proof when the wall clock jumps against the monotonic one (a frozen process)', () => {
    const window = new VouchingWindow(500);
    window.prove(1_000, 2_000, 50_000);
    // The monotonic clock says 100 ms passed, the wall clock an hour.
    expect(window.vouchesFor(1_500, 2_100, 50_000 + 3_600_000)).toBe(false);
  });

  it('vouches for nothing with a zero window (bypassWindowMs: 0 pings every hand-out)', () => {
    const window = new VouchingWindow(0);
    window.prove(1_000, 2_000, 2_000);
    expect(window.vouchesFor(2_000, 2_000, 2_000)).toBe(false);
  });

  it('forget() voids every proof', () => {
    const window = new VouchingWindow(500);
    window.prove(1_000, 2_000, 2_000);
    window.forget();
    expect(window.vouchesFor(1_500, 2_010, 2_010)).toBe(false);
  });
});
