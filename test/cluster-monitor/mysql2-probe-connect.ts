import { createConnection } from 'mysql2/promise';
import type { MonitorConnection, ProbeConnector } from '../../packages/core/src/cluster/cluster-monitor.js';
import type { ClusterHost } from '../../packages/core/src/cluster/cluster-options.js';
import type { ConnectionInfo } from '../harness/src/index.js';

/**
 * The `connect` an adapter will hand the monitor, written here with mysql2 (core has no driver): the
 * user's credentials, the host from the list, a connect timeout no longer than the probe's.
 */
export function mysql2ProbeConnector(
  credentialsFor: (host: ClusterHost) => ConnectionInfo,
  connectTimeoutMs: number,
): ProbeConnector {
  return async (host, signal) => {
    // Each private server has its own random password: the test looks it up by host.
    const credentials = credentialsFor(host);
    const connection = await createConnection({
      host: host.host,
      port: host.port,
      user: credentials.user,
      password: credentials.password,
      database: credentials.database,
      connectTimeout: connectTimeoutMs,
    });
    // A socket error with no query pending is emitted as 'error': without a listener it would throw.
    connection.on('error', () => undefined);
    const probe: MonitorConnection = {
      async query(sql) {
        const [rows] = await connection.query(sql);
        return rows as Array<Record<string, unknown>>;
      },
      destroy: () => connection.destroy(),
    };
    if (signal.aborted) probe.destroy();
    return probe;
  };
}
