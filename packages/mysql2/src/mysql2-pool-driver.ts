import type { ClusterRouting, PoolDriver, SecretRedactor } from '@goneaway/core/adapter';
import type { CorePool, CorePoolConnection } from './mysql2-internals.js';
import { routeConnectionConfig } from './route-connection-config.js';

type AcquireCallback = (error: unknown, connection?: CorePoolConnection) => void;

/** The callbacks goneaway gave mysql2's own getConnection (see isInternalAcquireCallback). */
const internalCallbacks = new WeakSet<AcquireCallback>();

/** The prototype's getConnection: the pool's own is goneaway's (it validates and retries). */
export function getConnectionOf(core: CorePool, callback: AcquireCallback): void {
  internalCallbacks.add(callback);
  (Object.getPrototypeOf(core) as CorePool).getConnection.call(core, callback);
}

/**
 * Whether `callback` is one goneaway gave mysql2's own getConnection. mysql2 queues it while the pool
 * is full and, when a connection leaves the pool, hands it to the pool's getConnection (the instance's,
 * lib/base/pool.js releaseConnection): a host library that replaced that method (TypeORM's lease)
 * must pass such a callback through untouched, since it expects mysql2's own PoolConnection.
 */
export function isInternalAcquireCallback(callback: unknown): boolean {
  return typeof callback === 'function' && internalCallbacks.has(callback as AcquireCallback);
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

/** Where a routed pool's new connections go: the cluster's writer (or a reader), waited for until the call's deadline. */
export interface PoolRouting {
  /** The pool's routing now (none without the `cluster` option). */
  readonly routing: () => ClusterRouting | undefined;
  /** The outage budget (ms): how long a create with no deadline of its own waits for a writer. */
  readonly budgetMs: number;
}

/**
 * The pool contract for a mysql2 pool: mysql2's own acquire (which makes a connection when none is
 * free), each connection handed to `prepare` first (goneaway's methods on it, once), and the
 * passwords a new connection uses kept out of every message goneaway quotes. With `route`, a new
 * connection goes to the cluster's writer.
 */
export function mysql2PoolDriver(
  core: CorePool,
  prepare: (connection: CorePoolConnection) => CorePoolConnection,
  redactor: SecretRedactor,
  route?: PoolRouting,
): PoolDriver<CorePoolConnection> {
  return {
    wouldConnect: () => wouldConnect(core),
    acquire: async () => prepare(await acquireOf(core)),
    create: async (context) => {
      const routing = route?.routing();
      if (routing !== undefined && route !== undefined) {
        // A failover under way: wait for the new writer within the call's budget (GONEAWAY_UNAVAILABLE
        // after it, marked as a connect failure: nothing was sent). No await between pointing the
        // pool at the writer and mysql2's getConnection below, which reads the config synchronously.
        const deadline = context.deadline ?? performance.now() + route.budgetMs;
        routeConnectionConfig(core, await routing.target(deadline, context.signal));
      }
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
