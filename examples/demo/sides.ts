import type { DemoClient, OpenedDb } from './clients/app-db.js';
import { describeError, type ErrorSummary } from './describe-error.js';
import type { CallResult, Side, SideName } from './scenario.js';
import { capped, since } from './timing.js';

/**
 * Collects what one side of one scenario showed: the errors that reached the application, the lines
 * the client printed through its logger, and every handle it opened (destroyed afterwards).
 */
export class SideRecorder {
  readonly errors: unknown[] = [];
  readonly noise: string[] = [];
  readonly opened: OpenedDb[] = [];

  firstError(): ErrorSummary | undefined {
    return this.errors.length > 0 ? describeError(this.errors[0]) : undefined;
  }
}

export function createSide(
  name: SideName,
  client: DemoClient,
  recorder: SideRecorder,
  signal: AbortSignal,
): Side {
  return {
    name,
    signal,
    open(connection, pool) {
      const opened = client.open(name, { connection, pool, noise: recorder.noise });
      recorder.opened.push(opened);
      return opened.db;
    },
    async call<T>(operation: () => Promise<T>): Promise<CallResult<T>> {
      const started = performance.now();
      try {
        const value = await operation();
        return { ok: true, value, ms: since(started) };
      } catch (error) {
        recorder.errors.push(error);
        return { ok: false, error, ms: since(started) };
      }
    },
    recordError(error) {
      recorder.errors.push(error);
    },
  };
}

/**
 * Destroys every handle a side opened. A pool whose connection is stuck on a half-open socket never
 * finishes destroying, so after `capMs` the caller's `unstick` (the proxy's reset) frees it.
 */
export async function destroyAll(
  opened: readonly OpenedDb[],
  capMs: number,
  unstick: () => void,
): Promise<boolean> {
  const destroying = Promise.allSettled(opened.map((handle) => handle.destroy()));
  if ((await capped(destroying, capMs)).settled) return true;
  unstick();
  return (await capped(destroying, capMs)).settled;
}
