/** A driver connection with mysql2's callback `ping()` and its socket. */
export interface PingableConnection {
  ping(callback: (error?: unknown) => void): void;
  readonly stream: { destroy(): void };
}

export type PingOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly timedOut: boolean; readonly error?: unknown };

/**
 * mysql2's `ping()` has no timeout of its own, and a pool's validation (knex's `validate`, the mysql2
 * adapter's acquire) waits for it forever: a ping on a half-open connection (a NAT dropped it,
 * nothing answers) would block the acquire. On timeout the
 * socket is destroyed at once so the connection cannot linger.
 */
export function pingWithTimeout(connection: PingableConnection, timeoutMs: number): Promise<PingOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      connection.stream.destroy();
      resolve({ ok: false, timedOut: true });
    }, timeoutMs);
    timer.unref?.();
    try {
      connection.ping((error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(error ? { ok: false, timedOut: false, error } : { ok: true });
      });
    } catch (error) {
      settled = true;
      clearTimeout(timer);
      resolve({ ok: false, timedOut: false, error });
    }
  });
}
