import type { DoctorOptions, PoolAssumptions } from './doctor-report.js';
import { DoctorUsageError } from './doctor-usage-error.js';

/** knex's `pool.max` default. */
export const DEFAULT_POOL_MAX = 10;
/** tarn's `idleTimeoutMillis` default (knex passes it through). */
export const DEFAULT_IDLE_MS = 30_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** A replica further behind is `lagging`: the default of core's `cluster.readers.maxLagMs`. */
export const DEFAULT_MAX_LAG_MS = 5_000;

/** The pool the report judges: the options given, knex/tarn defaults for the rest. */
export function resolveAssumptions(options: DoctorOptions): PoolAssumptions {
  return Object.freeze({
    poolMax: positiveInteger('poolMax', options.poolMax ?? DEFAULT_POOL_MAX),
    instances: positiveInteger('instances', options.instances ?? 1),
    idleMs: positiveInteger('idleMs', options.idleMs ?? DEFAULT_IDLE_MS),
    lifetimeMs: options.lifetimeMs === undefined ? null : positiveInteger('lifetimeMs', options.lifetimeMs),
    goneaway: options.goneaway === true,
  });
}

export function positiveInteger(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  const given = typeof value === 'number' ? String(value) : typeof value;
  throw new DoctorUsageError(`${name} must be a positive integer (got ${given})`);
}
