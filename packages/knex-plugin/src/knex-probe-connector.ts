import {
  connectProbe,
  type ProbeConnector,
  type UnconnectedCallbackProbeConnection,
} from '@goneaway/core/adapter';
import type { Mysql2Driver } from './connects-in-flight.js';
import { copyOwnProperties } from './copy-own-properties.js';

/**
 * How the cluster monitor reaches each host for a knex pool: knex's own mysql2 driver with the
 * pool's resolved connection settings (user, password, TLS, database), the host and port from the
 * cluster's list, and a connect timeout no longer than the probe's. Aborted (a probe that timed out)
 * means the socket is destroyed at once.
 */
export function knexProbeConnector(
  driver: Mysql2Driver,
  settings: () => Record<string, unknown> | undefined,
  connectTimeoutMs: number,
): ProbeConnector {
  return (host, signal) => {
    // All own properties: a password knex keeps non-enumerable included.
    const config = copyOwnProperties(settings() ?? {}, {
      host: host.host,
      port: host.port,
      connectTimeout: connectTimeoutMs,
    });
    delete (config as { socketPath?: unknown }).socketPath;
    const connection = driver.createConnection(config) as unknown as UnconnectedCallbackProbeConnection;
    return connectProbe(connection, host, signal, connectTimeoutMs);
  };
}
