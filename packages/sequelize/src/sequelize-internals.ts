/**
 * The parts of Sequelize 6 (lib/dialects/abstract/connection-manager.js, lib/dialects/mysql/
 * connection-manager.js, lib/sequelize.js) the adapter relies on, typed structurally so that
 * Sequelize's own typings are not needed at runtime or in the public API.
 */

/** A connection Sequelize's mysql dialect made with `dialectModule.createConnection` (mysql2's own). */
export interface Mysql2Connection {
  ping(callback: (error?: unknown) => void): void;
  readonly stream: { destroy(): void; readonly destroyed?: boolean };
  readonly _fatalError?: unknown;
  readonly _protocolError?: unknown;
  readonly _closing?: boolean;
}

/**
 * `sequelize.connectionManager`: its own pool (sequelize-pool) of lone connections. `connect` makes
 * one (mysql2's createConnection, `SET time_zone`), `getConnection` runs the acquire hooks and takes
 * one from the pool (whose synchronous `validate` is the `pool.validate` option), `releaseConnection`
 * gives it back, `destroyConnection` takes it out (Sequelize's `disconnect`: COM_QUIT unless closing).
 */
/** What Sequelize's connection manager is given to connect with (its connection options, per connect). */
export interface SequelizeConnectionConfig {
  host?: unknown;
  port?: unknown;
  username?: unknown;
  password?: unknown;
  database?: unknown;
  dialectOptions?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ConnectionManager {
  connect(config: unknown): Promise<Mysql2Connection>;
  getConnection(options?: unknown): Promise<Mysql2Connection>;
  releaseConnection(connection: Mysql2Connection): void;
  destroyConnection(connection: Mysql2Connection): Promise<void>;
}

/** A Sequelize instance, as goneaway reads it. */
export interface SequelizeInstance {
  readonly config: { readonly dialectModule?: unknown };
  readonly connectionManager: ConnectionManager;
  getDialect(): string;
}
