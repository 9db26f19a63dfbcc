import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackoffSchedule } from './backoff-schedule.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('BackoffSchedule', () => {
  it('doubles the ceiling from initialDelayMs up to maxDelayMs, drawing in [0, ceiling)', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const schedule = new BackoffSchedule({ initialDelayMs: 25, maxDelayMs: 1000 });
    const delays = Array.from({ length: 9 }, () => schedule.next());
    expect(delays).toEqual([24, 49, 99, 199, 399, 799, 999, 999, 999]);
  });

  it('uses full jitter: a zero draw waits not at all', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const schedule = new BackoffSchedule({ initialDelayMs: 25, maxDelayMs: 1000 });
    expect([schedule.next(), schedule.next(), schedule.next()]).toEqual([0, 0, 0]);
  });

  it('starts over after reset', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const schedule = new BackoffSchedule({ initialDelayMs: 100, maxDelayMs: 1000 });
    expect([schedule.next(), schedule.next()]).toEqual([50, 100]);
    schedule.reset();
    expect(schedule.next()).toBe(50);
  });
});
