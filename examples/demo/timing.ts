import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export function since(startMs: number): number {
  return Math.round(performance.now() - startMs);
}

export type Capped<T> =
  | { readonly settled: true; readonly ok: true; readonly value: T }
  | { readonly settled: true; readonly ok: false; readonly error: unknown }
  | { readonly settled: false };

/**
 * Waits for `promise` at most `capMs`. The promise keeps running when the cap is reached (a hung query
 * cannot be cancelled from outside): the caller must unblock it, e.g. by resetting the proxy.
 */
export async function capped<T>(promise: Promise<T>, capMs: number): Promise<Capped<T>> {
  const cap = new AbortController();
  const settled = promise.then(
    (value) => ({ settled: true, ok: true, value }) as const,
    (error: unknown) => ({ settled: true, ok: false, error }) as const,
  );
  const timeout = sleep(capMs, { settled: false } as const, { signal: cap.signal }).catch(
    () => ({ settled: false }) as const,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    cap.abort();
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A message length: characters while short, then the size it takes. */
export function formatLength(chars: number): string {
  return chars < 1024 ? `${chars} chars` : formatBytes(chars);
}
