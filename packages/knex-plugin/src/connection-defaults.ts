import { GoneAwayConfigError } from '@goneaway/core';
import type { Knex } from 'knex';
import { copyOwnProperties } from './copy-own-properties.js';

type ConnectionConfig = Knex.Config['connection'];

/**
 * mysql2's connect has no default timeout worth having (a blackholed SYN waits for the OS, minutes):
 * give it goneaway's connectTimeoutMs unless the user set one. Works for an object, a URL string
 * (parsed the way knex parses it) and a function, knex's connection configuration provider: its
 * result (an object, with knex's `expirationChecker` if it has one, or a URL) is completed on every
 * call, synchronously when the provider is synchronous. Copies keep every own property, enumerable
 * or not (knex's hidden password), and the user's objects are never modified.
 */
export function withConnectionDefaults(
  connection: ConnectionConfig,
  connectTimeoutMs: number,
  parseConnection: (url: string) => { connection: Record<string, unknown> },
): ConnectionConfig {
  if (typeof connection === 'string') {
    assertMysqlUrl(connection);
    return withConnectTimeout(parseConnection(connection).connection, connectTimeoutMs) as ConnectionConfig;
  }
  if (typeof connection === 'function') {
    const provider = connection as () => unknown;
    const completed = function (this: unknown) {
      const settings = provider.call(this);
      return isPromiseLike(settings)
        ? Promise.resolve(settings).then((resolved) => withConnectTimeout(resolved, connectTimeoutMs))
        : withConnectTimeout(settings, connectTimeoutMs);
    };
    return completed as unknown as ConnectionConfig;
  }
  return withConnectTimeout(connection, connectTimeoutMs);
}

function withConnectTimeout<T>(settings: T, connectTimeoutMs: number): T {
  if (typeof settings === 'string') return urlWithConnectTimeout(settings, connectTimeoutMs) as T;
  if (settings === null || typeof settings !== 'object') return settings;
  if ((settings as { connectTimeout?: unknown }).connectTimeout !== undefined) return settings;
  return copyOwnProperties(settings, { connectTimeout: connectTimeoutMs });
}

/**
 * A provider may return a URL, which knex hands to mysql2 as it is (mysql2 reads its query string as
 * options, connection_config.js parseUrl): the timeout goes there, unless the URL sets one. A string
 * that is not a URL is left for mysql2 to reject, as without goneaway.
 */
function urlWithConnectTimeout(url: string, connectTimeoutMs: number): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.searchParams.has('connectTimeout') || parsed.hash !== '') return url;
  return `${url}${parsed.search === '' ? '?' : '&'}connectTimeout=${connectTimeoutMs}`;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
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
