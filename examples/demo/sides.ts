import knex, { type Knex } from 'knex';
import { describeError, type ErrorSummary } from './describe-error.js';
import type { CallResult, Side, SideName } from './scenario.js';
import { capped, since } from './timing.js';

/** Builds a knex config for one side from the application's config (identity for bare knex). */
export type ConfigWrapper = (config: Knex.Config) => Knex.Config;

const NOISE_LINE = 120;

/**
 * Collects what one side of one scenario showed: the errors that reached the application, the lines
 * knex printed through its logger, and every knex instance it built (destroyed afterwards).
 */
export class SideRecorder {
  readonly errors: unknown[] = [];
  readonly noise: string[] = [];
  readonly instances: Knex[] = [];

  /** knex's `log` option: replaces knex's console output, so its noise is counted instead of printed. */
  readonly log = {
    warn: (message: unknown) => this.noise.push(noiseLine(message)),
    error: (message: unknown) => this.noise.push(noiseLine(message)),
    deprecate: (method: unknown, alternative: unknown) =>
      this.noise.push(`${String(method)} is deprecated, use ${String(alternative)}`),
    debug: () => undefined,
  };

  firstError(): ErrorSummary | undefined {
    return this.errors.length > 0 ? describeError(this.errors[0]) : undefined;
  }
}

function noiseLine(message: unknown): string {
  const text =
    typeof message === 'string' ? message : message instanceof Error ? message.message : String(message);
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > NOISE_LINE ? `${line.slice(0, NOISE_LINE - 1)}…` : line;
}

export function createSide(
  name: SideName,
  wrap: ConfigWrapper,
  recorder: SideRecorder,
  signal: AbortSignal,
): Side {
  return {
    name,
    signal,
    makeKnex(config) {
      // The capture goes into the application's config *before* the wrapper sees it, so the plugin's
      // composition of a user's own `log` option is exercised, not bypassed.
      const db = knex(wrap({ ...config, log: recorder.log }));
      recorder.instances.push(db);
      return db;
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
 * Destroys every knex a side built. A pool whose connection is stuck on a half-open socket never
 * finishes destroying, so after `capMs` the caller's `unstick` (the proxy's reset) frees it.
 */
export async function destroyAll(
  instances: readonly Knex[],
  capMs: number,
  unstick: () => void,
): Promise<boolean> {
  const destroying = Promise.allSettled(instances.map((db) => db.destroy()));
  if ((await capped(destroying, capMs)).settled) return true;
  unstick();
  return (await capped(destroying, capMs)).settled;
}
