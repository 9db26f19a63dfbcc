import { markConnectPhase } from '../classification/connect-phase.js';
import type { MonitorConnection } from './cluster-monitor.js';
import { type ClusterHost, hostKey } from './cluster-options.js';

/**
 * What a probe uses of a MySQL-protocol connection with callbacks: mysql2's, as the mysql2 adapter
 * makes it and as knex drives it. Structural (core has no driver dependency).
 */
export interface CallbackProbeConnection {
  query(
    options: { readonly sql: string; readonly timeout: number },
    values: readonly unknown[],
    callback: (error: unknown, rows: unknown) => void,
  ): unknown;
  destroy(): void;
  /** The socket: destroyed too, since mysql2's destroy() only ends it (a FIN a silent host never answers). */
  readonly stream: { destroy(): void };
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/** A connection made and not connected yet: its connect takes a callback. */
export interface UnconnectedCallbackProbeConnection extends CallbackProbeConnection {
  connect(callback: (error: unknown) => void): void;
}

/**
 * Connects a probe connection made for `host`: aborted (the probe timed out) means its socket is
 * destroyed at once; a failed connect is destroyed and rejects marked as a connect to `host`.
 */
export function connectProbe(
  connection: UnconnectedCallbackProbeConnection,
  host: ClusterHost,
  signal: AbortSignal,
  queryTimeoutMs: number,
): Promise<MonitorConnection> {
  return new Promise((resolve, reject) => {
    // A socket error with nothing pending is emitted as 'error': without a listener it would throw.
    connection.on('error', () => undefined);
    const onAbort = () => destroyProbe(connection);
    signal.addEventListener('abort', onAbort, { once: true });
    connection.connect((error) => {
      signal.removeEventListener('abort', onAbort);
      if (error) {
        destroyProbe(connection);
        reject(markConnectPhase(error, hostKey(host)));
      } else resolve(probeConnectionOver(connection, queryTimeoutMs));
    });
  });
}

/** A connected callback connection as the monitor's probe connection: each query bounded by `queryTimeoutMs`. */
export function probeConnectionOver(
  connection: CallbackProbeConnection,
  queryTimeoutMs: number,
): MonitorConnection {
  connection.on('error', () => undefined);
  return {
    query: (sql) =>
      new Promise((resolve, reject) => {
        connection.query({ sql, timeout: queryTimeoutMs }, [], (error, rows) => {
          if (error) reject(error);
          else resolve(rows as ReadonlyArray<Record<string, unknown>>);
        });
      }),
    destroy: () => destroyProbe(connection),
  };
}

function destroyProbe(connection: CallbackProbeConnection): void {
  connection.destroy();
  connection.stream.destroy();
}
