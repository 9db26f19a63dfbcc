import { describe, expect, it } from 'vitest';
import { shouldUseColor } from './should-use-color.js';

describe('shouldUseColor', () => {
  it('colours a terminal only, NO_COLOR always wins, FORCE_COLOR forces, CI alone does not', () => {
    expect(shouldUseColor({}, { isTTY: true })).toBe(true);
    expect(shouldUseColor({}, { isTTY: false })).toBe(false);
    expect(shouldUseColor({ CI: 'true' }, {})).toBe(false);
    expect(shouldUseColor({ NO_COLOR: '1' }, { isTTY: true })).toBe(false);
    expect(shouldUseColor({ NO_COLOR: '1', FORCE_COLOR: '1' }, { isTTY: true })).toBe(false);
    expect(shouldUseColor({ FORCE_COLOR: '1' }, {})).toBe(true);
    expect(shouldUseColor({ FORCE_COLOR: '0' }, { isTTY: true })).toBe(true);
    expect(shouldUseColor({ FORCE_COLOR: '0' }, {})).toBe(false);
    expect(shouldUseColor({ TERM: 'dumb' }, { isTTY: true })).toBe(false);
  });
});
