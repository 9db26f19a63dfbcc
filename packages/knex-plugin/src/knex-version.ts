import { GoneAwayConfigError } from '@goneaway/core';

/**
 * The knex versions the plugin extends. Every knex from 2.5.0 has the lib/ files it loads
 * (knex-internals.ts) with the same shapes; 2.5 to 3.1 differ from 3.2 only in getPoolSettings,
 * which ignores `pool.validate` there (goneaway then chains its check after knex's own).
 * Checked by running the plugin's own scenarios on 2.5.0, 2.5.1, 3.0.1, 3.1.0, 3.2.10 and 3.3.0.
 */
export const SUPPORTED_KNEX_RANGE = '>=2.5.0';
const MINIMUM: Version = [2, 5, 0];
/** From knex 3.2, getPoolSettings runs the user's `pool.validate` (client.js); before, tarn never saw it. */
const POOL_VALIDATE_SINCE: Version = [3, 2, 0];

type Version = readonly [number, number, number];

export interface KnexVersionSupport {
  readonly version: string;
  /** knex runs `pool.validate` on acquire (3.2+). */
  readonly honorsPoolValidate: boolean;
}

/** Throws GoneAwayConfigError when `version` (knex's package.json) is not one the plugin supports. */
export function checkKnexVersion(version: unknown): KnexVersionSupport {
  const parsed = typeof version === 'string' ? parseVersion(version) : undefined;
  if (parsed === undefined || compare(parsed, MINIMUM) < 0) {
    const received =
      typeof version === 'string' ? `knex ${version.slice(0, 40)}` : 'a knex without a version';
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'knex',
          expected: `the installed knex to be ${SUPPORTED_KNEX_RANGE} (npm install knex@"${SUPPORTED_KNEX_RANGE}")`,
          received,
        },
      ],
    });
  }
  return { version: version as string, honorsPoolValidate: compare(parsed, POOL_VALIDATE_SINCE) >= 0 };
}

function parseVersion(version: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
