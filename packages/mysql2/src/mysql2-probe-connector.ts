import type { ClusterHost } from '@goneaway/core';
import {
  type CallbackProbeConnection,
  connectProbe,
  hostKey,
  markConnectPhase,
  type ProbeConnector,
  probeConnectionOver,
  type UnconnectedCallbackProbeConnection,
} from '@goneaway/core/adapter';
import { configFor } from './route-connection-config.js';

/** mysql2's or mysql2/promise's createConnection: a connection at once, or a promise of one. */
type CreateConnection = (config: unknown) => unknown;

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
    if (!isThenable(made)) {
      return connectProbe(made as UnconnectedCallbackProbeConnection, host, signal, connectTimeoutMs);
    }
    let core: CallbackProbeConnection;
    try {
      core = ((await made) as { connection: CallbackProbeConnection }).connection;
    } catch (error) {
      throw markConnectPhase(error, hostKey(host));
    }
    const connection = probeConnectionOver(core, connectTimeoutMs);
    if (signal.aborted) {
      connection.destroy();
      throw signal.reason;
    }
    return connection;
  };
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
