import { createRequire } from 'node:module';
import type { ClusterHost } from '@goneaway/core';
import {
  hostKey,
  type MonitorConnection,
  markConnectPhase,
  type ProbeConnector,
} from '@goneaway/core/adapter';
import { destroyMariadbConnection } from './mariadb-raw-connection.js';
import type { MariadbConnection } from './mariadb-shapes.js';

/** What a probe uses of a mariadb (Connector/Node 3.x) promise connection. */
interface ProbeMariadbConnection {
  query(sql: string): Promise<unknown>;
  destroy(): void;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/** mariadb's promise `createConnection`: connects, then resolves. */
export type MariadbCreateConnection = (options: object) => Promise<ProbeMariadbConnection>;

/**
 * The `createConnection` of the mariadb package @prisma/adapter-mariadb runs on, resolved from where
 * the adapter is (goneaway has no mariadb dependency of its own: the adapter's copy is the one the
 * application installed). Loaded only when a cluster is probed.
 */
export function adapterMariadbCreateConnection(): MariadbCreateConnection {
  // Not named `require`: the CJS build rewrites `import.meta.url` into a call of the module's own.
  const adapterEntry = createRequire(import.meta.url).resolve('@prisma/adapter-mariadb');
  const mariadb = createRequire(adapterEntry)('mariadb') as { createConnection: MariadbCreateConnection };
  return mariadb.createConnection;
}

/**
 * The options a probe connection to `host` is made from: the application's own mariadb settings
 * (user, password, TLS, database) with the host, port and a connect timeout no longer than the
 * probe's; never the pool's routing `stream` nor a socket path (either would go elsewhere), and
 * numbers as numbers (mariadb gives BIGINT as bigint otherwise).
 */
export function probeOptionsFor(
  settings: Readonly<Record<string, unknown>>,
  host: ClusterHost,
  connectTimeoutMs: number,
): object {
  const options: Record<string, unknown> = {
    ...settings,
    host: host.host,
    port: host.port,
    connectTimeout: connectTimeoutMs,
    bigIntAsNumber: true,
  };
  delete options.stream;
  delete options.socketPath;
  return options;
}

/**
 * How the cluster monitor reaches each host for a Prisma client: mariadb's own createConnection with
 * the settings the client's pool connects with, one probe connection per host. Aborted (a probe that
 * timed out) means a connection that connects after all is destroyed at once (mariadb's connect
 * cannot be cancelled; its connect timeout is the probe's).
 */
export function mariadbProbeConnector(
  settings: Readonly<Record<string, unknown>>,
  connectTimeoutMs: number,
  createConnection: () => MariadbCreateConnection = adapterMariadbCreateConnection,
): ProbeConnector {
  return async (host, signal) => {
    let connection: ProbeMariadbConnection;
    try {
      connection = await createConnection()(probeOptionsFor(settings, host, connectTimeoutMs));
    } catch (error) {
      throw markConnectPhase(error, hostKey(host));
    }
    // A socket error with nothing pending is emitted as 'error': without a listener it would throw.
    connection.on('error', () => undefined);
    // The monitor destroys a probe connection when its probe timed out, that is with a query still
    // running: not through mariadb's KILL-on-destroy (see destroyMariadbConnection), which connects
    // again to a host that just failed to answer and, when that fails, leaves the socket open forever.
    const destroy = () => destroyMariadbConnection(connection as unknown as MariadbConnection);
    if (signal.aborted) {
      destroy();
      throw signal.reason;
    }
    return {
      query: async (sql) => (await connection.query(sql)) as ReadonlyArray<Record<string, unknown>>,
      destroy,
    } satisfies MonitorConnection;
  };
}
