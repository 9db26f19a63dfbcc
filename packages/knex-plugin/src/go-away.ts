import { GoneAwayConfigError, type GoneAwayOptions, parsePolicy } from '@goneaway/core';
import type { Knex } from 'knex';
import { withConnectionDefaults } from './connection-defaults.js';
import { copyOwnProperties } from './copy-own-properties.js';
import { createGoneAwayClient } from './goneaway-client.js';
import { loadKnexInternals } from './knex-internals.js';
import { KnexPluginInstance } from './plugin-instance.js';
import { composePoolHooks } from './pool-hooks.js';

/**
 * `knex(goneAway(config, options?))`: returns a knex config whose client is knex's own mysql2 client
 * extended with goneaway's policy. The user's `pool.afterCreate` and `pool.validate` still run (after
 * goneaway's, in order); no key unknown to knex or tarn is added to `pool`.
 */
export function goneAway<TConfig extends Knex.Config>(config: TConfig, options?: GoneAwayOptions): TConfig {
  if (config === null || typeof config !== 'object') {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'config',
          expected: 'a knex config object',
          received: config === null ? 'null' : typeof config,
        },
      ],
    });
  }
  const policy = parsePolicy(options);
  const internals = loadKnexInternals();
  const baseClient = resolveBaseClient(config.client, internals.Mysql2Client);
  const instance = new KnexPluginInstance(policy);
  const client = createGoneAwayClient(baseClient, internals, instance);
  const pool = composePoolHooks(config.pool, instance);
  // A copy that keeps every own property of the user's config, enumerable or not (copyOwnProperties).
  return copyOwnProperties(config, {
    client,
    connection: withConnectionDefaults(config.connection, policy.connectTimeoutMs, internals.parseConnection),
    pool,
  });
}

function resolveBaseClient(client: unknown, mysql2Client: unknown): typeof mysql2Client {
  if (client === 'mysql2') return mysql2Client;
  if (typeof client === 'function') {
    // A user's own subclass of knex's mysql2 client keeps its overrides: goneaway extends it.
    if (
      client === mysql2Client ||
      (client as { prototype: unknown }).prototype instanceof (mysql2Client as never)
    ) {
      return client;
    }
  }
  const given = typeof client === 'string' ? `'${client.slice(0, 40)}'` : typeof client;
  throw new GoneAwayConfigError({
    issues: [
      {
        path: 'client',
        expected: "'mysql2' or a subclass of knex's mysql2 client (goneaway supports knex's mysql2 dialect)",
        received: given,
      },
    ],
  });
}
