import { createConnection } from 'mysql2';
import {
  connectProbe,
  type UnconnectedCallbackProbeConnection,
} from '../../packages/core/src/cluster/callback-probe-connection.js';
import type { ProbeConnector } from '../../packages/core/src/cluster/cluster-monitor.js';
import type { ClusterHost } from '../../packages/core/src/cluster/cluster-options.js';
import type { ConnectionInfo } from '../harness/src/index.js';

/**
 * The `connect` the knex and mysql2 adapters hand the monitor (core's connectProbe over mysql2's
 * callback connection): the user's credentials, the host from the list, a connect timeout no longer
 * than the probe's.
 */
export function mysql2ProbeConnector(
  credentialsFor: (host: ClusterHost) => ConnectionInfo,
  connectTimeoutMs: number,
): ProbeConnector {
  return (host, signal) => {
    // Each private server has its own random password: the test looks it up by host.
    const credentials = credentialsFor(host);
    const connection = createConnection({
      host: host.host,
      port: host.port,
      user: credentials.user,
      password: credentials.password,
      database: credentials.database,
      connectTimeout: connectTimeoutMs,
    }) as unknown as UnconnectedCallbackProbeConnection;
    return connectProbe(connection, host, signal, connectTimeoutMs);
  };
}
