import { configErrorAt } from '../errors/config-error-at.js';
import type { GoneAwayConfigError } from '../errors/goneaway-config-error.js';

/**
 * For an adapter that does not follow a cluster's writer yet: the `cluster` option is refused with a
 * GoneAwayConfigError naming the adapter and the ones that do, never accepted and silently ignored
 * (a pool that stays on one host is what the option exists to avoid).
 */
export function unsupportedClusterError(adapter: string, hostCount: number): GoneAwayConfigError {
  return configErrorAt(
    'cluster',
    `no cluster option: ${adapter} does not follow a cluster's writer yet (@goneaway/knex, @goneaway/mysql2, @goneaway/typeorm and @goneaway/sequelize do); point it at a proxy address (MaxScale, ProxySQL, HAProxy) meanwhile`,
    `a cluster of ${hostCount} host${hostCount === 1 ? '' : 's'}`,
  );
}
