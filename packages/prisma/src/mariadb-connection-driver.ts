import type { ConnectionDriver } from '@goneaway/core/adapter';
import { destroyMariadbConnection } from './mariadb-raw-connection.js';
import type { MariadbCall, MariadbConnection } from './mariadb-shapes.js';
import { largestPacketBytes } from './packet-bytes.js';

export type CallKind = 'query' | 'execute';

/** One statement as the packet guard measures it: how it is sent, and its SQL and values. */
export interface MariadbStatement {
  readonly kind: CallKind;
  readonly call: MariadbCall;
}

/**
 * The driver contract for mariadb's (Connector/Node's) pooled connections: a state is kept under the
 * per-connection `info` object (the ConnectionPromise wrapper is new on every acquire), liveness is
 * `isValid()`, goneaway's statements go through the prototype's query (a held connection's own one is
 * goneaway's). No polite close: mariadb's pool retires its idle connections itself (idleTimeout),
 * and the hand-out check covers a connection idle past the server's limit.
 */
export const mariadbConnectionDriver: ConnectionDriver<MariadbConnection, MariadbStatement> = {
  keyOf: (connection) => connection.info ?? connection,
  isBroken: (connection) => !connection.isValid(),
  ping: (connection, callback) => {
    connection.ping().then(
      () => callback(),
      (error: unknown) => callback(error ?? new Error('ping failed')),
    );
  },
  query: async (connection, sql, timeoutMs) => {
    const proto = Object.getPrototypeOf(connection) as MariadbConnection;
    return (await proto.query.call(connection, { sql, timeout: timeoutMs })) as ReadonlyArray<
      Record<string, unknown>
    >;
  },
  // A connection cut with a statement running (its host left the cluster) must not go through
  // mariadb's KILL-on-destroy: see destroyMariadbConnection.
  destroy: destroyMariadbConnection,
  packetBytes: (_connection, { kind, call }) =>
    call.sql === undefined ? undefined : largestPacketBytes(kind, call.sql, call.values),
};
