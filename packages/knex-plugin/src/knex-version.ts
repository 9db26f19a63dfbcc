import { GoneAwayConfigError } from '@goneaway/core';
import { assertSupportedVersion, satisfiesVersionRange } from '@goneaway/core/adapter';

/**
 * The knex versions the plugin extends. Every knex from 2.5.0 has the lib/ files it loads
 * (knex-internals.ts) with the same shapes; 2.5 to 3.1 differ from 3.2 only in getPoolSettings,
 * which ignores `pool.validate` there (goneaway then chains its check after knex's own).
 * Checked by running the plugin's own scenarios on 2.5.0, 2.5.1, 3.0.1, 3.1.0, 3.2.10 and 3.3.0.
 */
export const SUPPORTED_KNEX_RANGE = '>=2.5.0';
/** From knex 3.2, getPoolSettings runs the user's `pool.validate` (client.js); before, tarn never saw it. */
const POOL_VALIDATE_SINCE = '>=3.2.0';

export interface KnexVersionSupport {
  readonly version: string;
  /** knex runs `pool.validate` on acquire (3.2+). */
  readonly honorsPoolValidate: boolean;
}

/** Throws GoneAwayConfigError when `version` (knex's package.json) is not one the plugin supports. */
export function checkKnexVersion(version: unknown): KnexVersionSupport {
  // Unlike other libraries, a knex whose version cannot be read is refused: the plugin loads its lib/ files.
  if (typeof version !== 'string' || satisfiesVersionRange(version, SUPPORTED_KNEX_RANGE) === undefined) {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'knex',
          expected: `the installed knex to be ${SUPPORTED_KNEX_RANGE} (npm install knex@"${SUPPORTED_KNEX_RANGE}")`,
          received: typeof version === 'string' ? `knex ${version.slice(0, 40)}` : 'a knex without a version',
        },
      ],
    });
  }
  assertSupportedVersion('knex', version, SUPPORTED_KNEX_RANGE);
  return { version, honorsPoolValidate: satisfiesVersionRange(version, POOL_VALIDATE_SINCE) === true };
}
