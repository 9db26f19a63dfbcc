/**
 * knex prints "Connection Error: <err>" (client.js, getPoolSettings → connectionIsDisposed) when it
 * evicts a connection whose socket died while idle, and "Acquire connection error: <stack>"
 * (client.js, acquireConnection) when a connect fails. goneaway handles those errors itself (evicts,
 * retries, or surfaces a typed error), so it drops exactly the messages for errors it has seen and
 * lets every other warning through to knex's logger (the user's `log.warn` or knex's default).
 */
const MAX_PENDING = 1024;

export class HandledWarnings {
  readonly #pending = new Map<string, number>();

  expect(message: string): void {
    if (this.#pending.size >= MAX_PENDING && !this.#pending.has(message)) {
      // Unclaimed expectations (a connection reaped without another acquire) must not grow forever.
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
    }
    this.#pending.set(message, (this.#pending.get(message) ?? 0) + 1);
  }

  /** True when `message` was expected (and consumes one expectation). */
  consume(message: unknown): boolean {
    if (typeof message !== 'string') return false;
    const count = this.#pending.get(message);
    if (count === undefined) return false;
    if (count <= 1) this.#pending.delete(message);
    else this.#pending.set(message, count - 1);
    return true;
  }
}

export function disposedWarning(error: unknown): string {
  return `Connection Error: ${String(error)}`;
}

export function acquireWarning(error: unknown): string {
  const withStack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `Acquire connection error: ${withStack}`;
}
