import { GoneAwayConfigError } from '@goneaway/core';
import { markConnectPhase } from '@goneaway/core/adapter';
import { routedConfig } from './mysql2-settings-of.js';
import type { SequelizeGoneAway } from './sequelize-goneaway.js';
import type {
  Mysql2Connection,
  SequelizeConnectionConfig,
  SequelizeInstance,
} from './sequelize-internals.js';

/** Connection managers already given goneaway's connect, getConnection and releaseConnection. */
const adopted = new WeakSet<object>();

/** A connect sends no statement: its failures are connect failures (sent 'no'), retried as the mysql2 adapter's acquires are. */
const CONNECT_STATEMENT = Object.freeze({ safety: 'write' as const });

/**
 * Marks a failed connect as such on Sequelize's error (ConnectionRefusedError, ConnectionError…) and
 * on the driver's error it wraps as `original`: a socket reset during the handshake is a connect
 * failure, safe to retry, not a statement lost mid-flight.
 */
/** Where Sequelize connects (host:port, or the socket path): never more, so never a credential. */
function targetOf(config: unknown): string | undefined {
  const { host, port, dialectOptions } = (config ?? {}) as {
    host?: unknown;
    port?: unknown;
    dialectOptions?: { socketPath?: unknown };
  };
  if (typeof dialectOptions?.socketPath === 'string') return dialectOptions.socketPath;
  return `${typeof host === 'string' ? host : 'localhost'}:${typeof port === 'number' || typeof port === 'string' ? port : 3306}`;
}

function connectFailure(error: unknown): unknown {
  markConnectPhase((error as { original?: unknown } | null | undefined)?.original);
  return markConnectPhase(error);
}

/**
 * Gives one Sequelize instance's connection manager what its options cannot carry. Sequelize offers
 * no asynchronous hand-out check, no release hook and no place to wait out a connect, and the
 * options never meet the instance; so on the first `beforeConnect` (the hook goneAwaySequelize adds,
 * which Sequelize runs with the instance as `this` before its first connection of any kind) three of
 * the manager's methods are replaced on the instance, the way @goneaway/mysql2 wraps a mysql2 pool:
 *
 * - `connect`: through the retry engine and the single-flight reconnect gate (an outage is waited out
 *   within `outageBudgetMs`, one connect attempt at a time, then GONEAWAY_UNAVAILABLE); it resolves
 *   once the new connection's server limits are read.
 * - `getConnection`: Sequelize's own, then the ping `pool.validate` started, if any; a connection that
 *   fails it is destroyed and another taken.
 * - `releaseConnection`: Sequelize's own, then the idle reaper is told.
 */
export function adoptConnectionManager(sequelize: SequelizeInstance, goneaway: SequelizeGoneAway): void {
  const manager = sequelize.connectionManager;
  if (adopted.has(manager)) return;
  if (sequelize.getDialect() !== 'mysql') {
    // `new Sequelize('mariadb://…', goneAwaySequelize(options))`: the URL chose the dialect.
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'dialect',
          expected: "'mysql' (goneaway works through mysql2; Sequelize's mysql dialect talks to MariaDB too)",
          received: JSON.stringify(String(sequelize.getDialect()).slice(0, 20)),
        },
      ],
    });
  }
  adopted.add(manager);
  const { runtime } = goneaway;
  const connect = manager.connect;
  const getConnection = manager.getConnection;
  const releaseConnection = manager.releaseConnection;

  manager.connect = (config) =>
    runtime.pipeline.retry.execute(
      (context) =>
        runtime.pipeline.gate.connect(
          async () => {
            let connection: Mysql2Connection;
            // With the `cluster` option, to the cluster's writer, or a reader with `role: 'reader'`
            // (waited for within the call's budget).
            const target = await goneaway.targetFor(config as SequelizeConnectionConfig, context.deadline);
            try {
              connection = await connect.call(
                manager,
                target === undefined ? config : routedConfig(config as SequelizeConnectionConfig, target),
              );
            } catch (error) {
              throw connectFailure(error);
            }
            // Sequelize's `SET time_zone` already waited for the limits, unless keepDefaultTimezone.
            await runtime.adopted(connection);
            return connection;
          },
          { signal: context.signal, deadline: context.deadline, target: targetOf(config) },
        ),
      { statement: CONNECT_STATEMENT, gatedConnects: true },
    );

  manager.getConnection = async (options) => {
    for (;;) {
      const connection = await getConnection.call(manager, options);
      const check = goneaway.pendingCheck(connection);
      if (check === undefined || (await check)) return connection;
      // The ping failed or timed out (the validator reported the eviction): take another.
      manager.destroyConnection(connection).catch(() => {
        // Its socket is already gone.
      });
    }
  };

  manager.releaseConnection = (connection) => {
    releaseConnection.call(manager, connection);
    goneaway.released(connection, manager);
  };
}
