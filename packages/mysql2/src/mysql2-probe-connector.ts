import type { ClusterHost } from '@goneaway/core';
import { type MonitorConnection, markConnectPhase, type ProbeConnector } from '@goneaway/core/adapter';
import type { CorePoolConnection } from './mysql2-internals.js';
import { configFor } from './route-connection-config.js';

/** mysql2's or mysql2/promise's createConnection: a connection at once, or a promise of one. */
type CreateConnection = (config: unknown) => unknown;

interface ProbeCoreConnection extends CorePoolConnection {
  connect(callback: (error: unknown) => void): void;
}

/**
 * The options a probe connection to `host` is made from: the application's own (user, password,
 * TLS, database) with the host, port and a connect timeout no longer than the probe's. A URL string
 * goes through mysql2's `uri` option, under which explicit host and port win.
 */
export function probeConfigFor(config: unknown, host: ClusterHost, connectTimeoutMs: number): object {
  if (typeof config === 'string') {
    return { uri: config, host: host.host, port: host.port, connectTimeout: connectTimeoutMs };
  }
  const source = config !== null && typeof config === 'object' ? config : {};
  return configFor(source, host, { connectTimeout: connectTimeoutMs });
}

/**
 * How the cluster monitor reaches each host for a mysql2 pool: the wrapped module's own
 * createConnection (callback or promise) with the pool's options, one probe connection per host.
 * Aborted (a probe that timed out) means the socket is destroyed at once; a promise connect that
 * cannot be reached yet is destroyed as soon as it settles (its connect timeout is the probe's).
 */
export function mysql2ProbeConnector(
  createConnection: CreateConnection,
  config: unknown,
  connectTimeoutMs: number,
): ProbeConnector {
  return async (host, signal) => {
    const made = createConnection(probeConfigFor(config, host, connectTimeoutMs));
    const connection = isThenable(made)
      ? await connectedPromise(made, signal, host)
      : await connectedCallback(made as ProbeCoreConnection, signal, host);
    const destroy = () => {
      connection.destroy();
      connection.stream.destroy();
    };
    return {
      query: (sql) =>
        new Promise((resolve, reject) => {
          connection.query({ sql, timeout: connectTimeoutMs }, [], (error: unknown, rows: unknown) => {
            if (error) reject(error);
            else resolve(rows as ReadonlyArray<Record<string, unknown>>);
          });
        }),
      destroy,
    } satisfies MonitorConnection;
  };
}

function connectedCallback(
  connection: ProbeCoreConnection,
  signal: AbortSignal,
  host: ClusterHost,
): Promise<CorePoolConnection> {
  return new Promise((resolve, reject) => {
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
      } else resolve(connection);
    });
  });
}

async function connectedPromise(
  made: Promise<unknown>,
  signal: AbortSignal,
  host: ClusterHost,
): Promise<CorePoolConnection> {
  let core: CorePoolConnection;
  try {
    core = ((await made) as { connection: CorePoolConnection }).connection;
  } catch (error) {
    throw markConnectPhase(error, `${host.host}:${host.port}`);
  }
  core.on('error', () => undefined);
  if (signal.aborted) {
    core.destroy();
    core.stream.destroy();
    throw signal.reason;
  }
  return core;
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
