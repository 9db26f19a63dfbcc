import type { ConnectionDriver } from '@goneaway/core/adapter';
import { commandPacketBytes, formattedQueryBytes, queryBytesCeiling } from '@goneaway/core/adapter';
import type { KnexQueryObject, Mysql2Connection } from './knex-internals.js';

/**
 * The driver contract for the mysql2 connections knex's mysql2 dialect makes (plain, unpooled
 * mysql2 connections in tarn's pool): liveness from mysql2's own fields, goneaway's statements with a
 * timeout, the socket destroyed at once, a polite COM_QUIT for a retired one (tarn drops it on its
 * next acquire, when validate says no), TCP keepalive, and the packet measured the way knex sends it
 * (its bindings formatted into the SQL by mysql2).
 */
export const knexConnectionDriver: ConnectionDriver<Mysql2Connection, KnexQueryObject> = {
  isBroken: (connection) =>
    Boolean(connection._fatalError) || connection._closing === true || connection.stream.destroyed,
  ping: (connection, callback) => {
    connection.ping((error) => callback(error ?? undefined));
  },
  query: (connection, sql, timeoutMs) =>
    new Promise((resolve, reject) => {
      connection.query({ sql, timeout: timeoutMs }, [], (error, rows) => {
        if (error) reject(error);
        else resolve(rows as ReadonlyArray<Record<string, unknown>>);
      });
    }),
  destroy: (connection) => connection.stream.destroy(),
  closePolitely: (connection) => {
    connection.end(() => {
      // A connection that cannot say goodbye is gone anyway; the pool drops it on its next acquire.
    });
  },
  hostOf: (connection) => {
    const { host, port } = connection.config as { host?: unknown; port?: unknown };
    return typeof host === 'string' ? `${host}:${typeof port === 'number' ? port : 3306}` : undefined;
  },
  setKeepAlive: (connection, initialDelayMs) => {
    connection.stream.setKeepAlive?.(true, initialDelayMs);
  },
  onError: (connection, listener) => {
    connection.on('error', listener);
  },
  packetBytes: (connection, obj, max) => {
    if (commandPacketBytes(queryBytesCeiling(obj.sql, obj.bindings)) < max) return undefined;
    return commandPacketBytes(
      formattedQueryBytes(obj.sql, obj.bindings, (sql, values) => connection.format(sql, values)),
    );
  },
};
