/**
 * The clock and timer a validation ping is timed with: the monotonic clock and unref'd timers in
 * production, a fake one in tests (a stalled event loop is a clock that jumps while no timer runs).
 */
export interface TimerClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimerClock: TimerClock = {
  now: () => performance.now(),
  setTimeout(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    // A ping in flight must not keep the process alive on its own.
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
