import type { TimerClock } from './timer-clock.js';

interface FakeTimer {
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A TimerClock for unit tests. `advance(ms)`: time passes with the event loop free, each timer runs
 * when due. `stall(ms)`: the event loop is blocked (a busy loop, a GC pause): time passes and no
 * timer runs; then the timers that came due run, late, before anything else — as Node runs expired
 * timers before it reads the sockets that became readable meanwhile.
 */
export class FakeTimerClock implements TimerClock {
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.#nextId++;
    // Node waits at least 1 ms.
    this.#timers.set(id, { at: this.#now + Math.max(1, delayMs), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next[1].at > end) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].callback();
    }
    this.#now = end;
  }

  stall(ms: number): void {
    this.#now += ms;
    const due = [...this.#timers]
      .filter(([, timer]) => timer.at <= this.#now)
      .sort((a, b) => a[1].at - b[1].at);
    for (const [id, timer] of due) {
      if (!this.#timers.delete(id)) continue;
      timer.callback();
    }
  }

  #earliest(): [number, FakeTimer] | undefined {
    let found: [number, FakeTimer] | undefined;
    for (const entry of this.#timers) if (found === undefined || entry[1].at < found[1].at) found = entry;
    return found;
  }
}
