import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// The benchmarks compare memory before and after: a full collection first makes "before" mean live
// objects only. --expose-gc can be turned on at run time; the gc function then appears in new contexts.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;

export interface MemorySnapshot {
  /** V8 heap in use (strings, objects). */
  readonly heapUsed: number;
  /** Buffers and other ArrayBuffers outside the V8 heap. */
  readonly arrayBuffers: number;
  readonly rss: number;
}

export function memorySnapshot(): MemorySnapshot {
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers, rss: usage.rss };
}

/** Heap plus buffers: what a formatted BLOB costs shows up in one or the other. */
export function liveBytes(snapshot: MemorySnapshot): number {
  return snapshot.heapUsed + snapshot.arrayBuffers;
}

export function collectGarbage(): void {
  gc?.();
  gc?.();
}

/**
 * Tracks the largest heap + buffers seen while an operation runs: sampled every `everyMs` and once
 * more when asked (call `sample()` right when the operation settles, before its garbage is collected).
 */
export class PeakMemory {
  #peak: number;
  readonly #timer: NodeJS.Timeout;

  constructor(everyMs = 2) {
    this.#peak = liveBytes(memorySnapshot());
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    this.#peak = Math.max(this.#peak, liveBytes(memorySnapshot()));
  }

  stop(): number {
    this.sample();
    clearInterval(this.#timer);
    return this.#peak;
  }
}
