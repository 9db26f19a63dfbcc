import type { ConnectionDriver } from '@goneaway/core/adapter';
import { commandPacketBytes, formattedQueryBytes, queryBytesCeiling } from '@goneaway/core/adapter';
import { executePacketBytes } from './execute-packet-bytes.js';
import type { CorePoolConnection } from './mysql2-internals.js';
import type { Mysql2Call } from './parse-call.js';

export type CallKind = 'query' | 'execute';

/** One statement as the packet guard measures it: how it is sent, and the call's SQL and values. */
export interface Mysql2Statement {
  readonly kind: CallKind;
  readonly call: Mysql2Call;
}

/** mysql2's own query/execute of a connection, past the ones goneaway sets on a held connection. */
export function baseOf(connection: CorePoolConnection, kind: CallKind): (...args: unknown[]) => unknown {
  const proto = Object.getPrototypeOf(connection) as CorePoolConnection;
  return kind === 'query' ? proto.query : proto.execute;
}

/** mysql2's own destroy (lib/pool_connection.js: out of the pool, socket closed), past the patched one. */
export function destroyConnection(connection: CorePoolConnection): void {
  (Object.getPrototypeOf(connection) as CorePoolConnection).destroy.call(connection);
}

/** The connection sits in its pool's free list (not handed out, not on its way to a waiting caller). */
function isFree(connection: CorePoolConnection): boolean {
  const free = connection._pool?._freeConnections;
  if (free === undefined) return false;
  for (let index = 0; index < free.length; index++) if (free.get(index) === connection) return true;
  return false;
}

/**
 * The driver contract for mysql2's connections (pooled or lone): liveness from mysql2's own fields
 * (`_fatalError` is null, not undefined, while the connection is fine), goneaway's statements through
 * mysql2's prototype methods (a held connection's own ones are goneaway's), a socket destroyed at
 * once where mysql2's destroy() only half-closes it, and the packet measured the way mysql2 sends it.
 */
export const mysql2ConnectionDriver: ConnectionDriver<CorePoolConnection, Mysql2Statement> = {
  isBroken: (connection) =>
    Boolean(connection._fatalError) || connection._closing === true || connection.stream.destroyed === true,
  ping: (connection, callback) => connection.ping(callback),
  query: (connection, sql, timeoutMs) =>
    new Promise((resolve, reject) => {
      baseOf(connection, 'query').call(
        connection,
        { sql, timeout: timeoutMs },
        [],
        (error: unknown, rows: unknown) => {
          if (error) reject(error);
          else resolve(rows as ReadonlyArray<Record<string, unknown>>);
        },
      );
    }),
  destroy: (connection) => connection.stream.destroy(),
  closePolitely: (connection) => {
    const end = (Object.getPrototypeOf(Object.getPrototypeOf(connection)) as { end?: unknown } | null)?.end;
    if (typeof connection._removeFromPool !== 'function' || typeof end !== 'function') {
      destroyConnection(connection);
      return;
    }
    // What mysql2's PoolConnection.end() does with gracefulEnd (lib/pool_connection.js).
    connection._removeFromPool();
    end.call(connection, () => {
      // A connection that cannot say goodbye is gone anyway.
    });
  },
  isIdle: isFree,
  // The host a connection went to, from its own config: goneaway routes a pool by giving the pool a
  // new config object per writer (route-connection-config.ts), so a connection's config keeps its host.
  hostOf: (connection) => {
    const config = (connection as { config?: { host?: unknown; port?: unknown } }).config;
    const host = config?.host;
    if (typeof host !== 'string') return undefined;
    // `host:port` as WriterRouting.isCurrent names the writer.
    return `${host}:${typeof config?.port === 'number' ? config.port : 3306}`;
  },
  onError: (connection, listener) => {
    connection.on('error', listener);
  },
  packetBytes: (connection, { kind, call }, max) => {
    if (call.sql === undefined || call.unmeasured) return undefined;
    if (kind === 'execute') return executePacketBytes(call.values);
    if (commandPacketBytes(queryBytesCeiling(call.sql, call.values)) < max) return undefined;
    return commandPacketBytes(
      formattedQueryBytes(call.sql, call.values, (sql, values) => connection.format(sql, values)),
    );
  },
};
