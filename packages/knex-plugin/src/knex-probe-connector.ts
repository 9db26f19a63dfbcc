import { type MonitorConnection, markConnectPhase, type ProbeConnector } from '@goneaway/core/adapter';
import type { Mysql2Driver } from './connects-in-flight.js';
import { copyOwnProperties } from './copy-own-properties.js';
import type { Mysql2Connection } from './knex-internals.js';

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
  return (host, signal) =>
    new Promise<MonitorConnection>((resolve, reject) => {
      // All own properties: a password knex keeps non-enumerable included.
      const config = copyOwnProperties(settings() ?? {}, {
        host: host.host,
        port: host.port,
        connectTimeout: connectTimeoutMs,
      });
      delete (config as { socketPath?: unknown }).socketPath;
      const connection: Mysql2Connection & { connect(cb: (error: unknown) => void): void } =
        driver.createConnection(config) as never;
      const destroy = () => {
        connection.destroy();
        connection.stream.destroy();
      };
      // A socket error with nothing pending is emitted as 'error': without a listener it would throw.
      connection.on('error', () => undefined);
      const onAbort = () => destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      connection.connect((error) => {
        signal.removeEventListener('abort', onAbort);
        if (error) {
          destroy();
          reject(markConnectPhase(error, `${host.host}:${host.port}`));
          return;
        }
        resolve({
          query: (sql) =>
            new Promise((resolveRows, rejectRows) => {
              connection.query({ sql, timeout: connectTimeoutMs }, [], (queryError, rows) => {
                if (queryError) rejectRows(queryError);
                else resolveRows(rows as ReadonlyArray<Record<string, unknown>>);
              });
            }),
          destroy,
        });
      });
    });
}
