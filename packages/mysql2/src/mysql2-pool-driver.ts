import type { PoolDriver, SecretRedactor } from '@goneaway/core/adapter';
import type { CorePool, CorePoolConnection } from './mysql2-internals.js';

type AcquireCallback = (error: unknown, connection?: CorePoolConnection) => void;

/** The prototype's getConnection: the pool's own is goneaway's (it validates and retries). */
export function getConnectionOf(core: CorePool, callback: AcquireCallback): void {
  (Object.getPrototypeOf(core) as CorePool).getConnection.call(core, callback);
}

function acquireOf(core: CorePool): Promise<CorePoolConnection> {
  return new Promise((resolve, reject) => {
    getConnectionOf(core, (error, connection) => {
      if (error || connection === undefined) reject(error);
      else resolve(connection);
    });
  });
}

/** Where the pool's connections go (host:port or the socket path): never more, so never a credential. */
export function targetOf(core: CorePool): string | undefined {
  const config = core.config.connectionConfig;
  if (config === undefined) return undefined;
  if (typeof config.socketPath === 'string' && config.socketPath !== '') return config.socketPath;
  return `${config.host ?? 'localhost'}:${config.port ?? 3306}`;
}

/** An acquire now would make a connection: none free, and room for one more. */
export function wouldConnect(core: CorePool): boolean {
  const limit = core.config.connectionLimit;
  return core._freeConnections.length === 0 && (limit === 0 || core._allConnections.length < limit);
}

/**
 * The pool contract for a mysql2 pool: mysql2's own acquire (which makes a connection when none is
 * free), each connection handed to `prepare` first (goneaway's methods on it, once), and the
 * passwords a new connection uses kept out of every message goneaway quotes.
 */
export function mysql2PoolDriver(
  core: CorePool,
  prepare: (connection: CorePoolConnection) => CorePoolConnection,
  redactor: SecretRedactor,
): PoolDriver<CorePoolConnection> {
  return {
    wouldConnect: () => wouldConnect(core),
    acquire: async () => prepare(await acquireOf(core)),
    create: async () => {
      const config = core.config.connectionConfig;
      redactor.add(config?.password);
      redactor.add(config?.password2);
      redactor.add(config?.password3);
      return prepare(await acquireOf(core));
    },
    release: (connection) => connection.release(),
    destroy: (connection) => connection.destroy(),
    target: () => targetOf(core),
  };
}
