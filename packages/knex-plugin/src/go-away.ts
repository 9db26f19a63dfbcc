import { GoneAwayConfigError, type GoneAwayOptions, parsePolicy } from '@goneaway/core';
import type { Knex } from 'knex';
import { withConnectionDefaults } from './connection-defaults.js';
import { copyOwnProperties } from './copy-own-properties.js';
import { baseOfGoneAwayClient, createGoneAwayClient } from './goneaway-client.js';
import { loadKnexInternals } from './knex-internals.js';

/**
 * `knex(goneAway(config, options?))`: returns a copy of the knex config whose client is knex's own
 * mysql2 client extended with goneaway's policy. Each knex instance made from it (the same config
 * may serve several) gets its own retry engine, reconnect gate and connection bookkeeping, created
 * with its client. The user's `pool.afterCreate` and `pool.validate` still run (after goneaway's, in
 * order): the client composes them when knex builds its pool, so `pool` is passed on untouched.
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
  const overrides: Record<string, unknown> = { client: createGoneAwayClient(baseClient, internals, policy) };
  // Absent with knex 3.3's `connectionPool` (an external pool), and knex refuses both at once.
  if (config.connection !== undefined) {
    overrides.connection = withConnectionDefaults(
      config.connection,
      policy.connectTimeoutMs,
      internals.parseConnection,
    );
  }
  return copyOwnProperties(config, overrides);
}

function resolveBaseClient(client: unknown, mysql2Client: unknown): typeof mysql2Client {
  if (client === 'mysql2') return mysql2Client;
  if (typeof client === 'function') {
    // goneAway(db.client.config) of a knex(goneAway(...)) instance: the new options replace the old.
    const base = baseOfGoneAwayClient(client) ?? client;
    // A user's own subclass of knex's mysql2 client keeps its overrides: goneaway extends it.
    if (
      base === mysql2Client ||
      (base as { prototype: unknown }).prototype instanceof (mysql2Client as never)
    ) {
      return base;
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
