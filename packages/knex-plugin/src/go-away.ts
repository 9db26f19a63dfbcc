import { GoneAwayConfigError, type GoneAwayOptions, parsePolicy } from '@goneaway/core';
import type { Knex } from 'knex';
import { createGoneAwayClient } from './goneaway-client.js';
import { loadKnexInternals } from './knex-internals.js';
import { KnexPluginInstance } from './plugin-instance.js';
import { composePoolHooks } from './pool-hooks.js';

type ConnectionConfig = Knex.Config['connection'];

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
  return {
    ...config,
    client,
    connection: withConnectionDefaults(config.connection, policy.connectTimeoutMs, internals.parseConnection),
    pool,
  };
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

/**
 * mysql2's connect has no default timeout worth having (a blackholed SYN waits for the OS, minutes):
 * give it goneaway's connectTimeoutMs unless the user set one. Works for an object, a URL string
 * (parsed the way knex parses it) and a function (its result is completed on every call).
 */
function withConnectionDefaults(
  connection: ConnectionConfig,
  connectTimeoutMs: number,
  parseConnection: (url: string) => { connection: Record<string, unknown> },
): ConnectionConfig {
  const complete = <T>(settings: T): T => {
    if (settings === null || typeof settings !== 'object') return settings;
    const record = settings as Record<string, unknown>;
    return record.connectTimeout === undefined
      ? ({ ...record, connectTimeout: connectTimeoutMs } as T)
      : settings;
  };
  if (typeof connection === 'string') {
    assertMysqlUrl(connection);
    return complete(parseConnection(connection).connection) as ConnectionConfig;
  }
  if (typeof connection === 'function') {
    const provider = connection as () => unknown;
    return (async () => complete(await provider())) as unknown as ConnectionConfig;
  }
  return complete(connection);
}

const MYSQL_PROTOCOLS = new Set(['mysql:', 'mysql2:', 'mariadb:']);

/**
 * knex's parser falls back to `{ filename: <the string> }` (its sqlite form) for anything `new URL`
 * cannot read, and mysql2 then silently connects to localhost:3306 with its defaults: a typo in
 * DATABASE_URL would reach whatever runs there. Refuse it here, without echoing the URL (it may
 * hold a password).
 */
function assertMysqlUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const problem =
    parsed === undefined
      ? 'a string that is not a URL'
      : !MYSQL_PROTOCOLS.has(parsed.protocol)
        ? 'a URL whose scheme is not mysql:'
        : parsed.hostname === ''
          ? 'a URL without a host'
          : undefined;
  if (problem === undefined) return;
  throw new GoneAwayConfigError({
    issues: [
      {
        path: 'connection',
        expected: 'a connection object, a function, or a URL like mysql://user:password@host:3306/database',
        received: `${problem} (${url.length} characters, not shown: it may contain a password)`,
      },
    ],
  });
}
