import type { ClusterHost, GoneAwayOptions } from '@goneaway/core';
import { type LoneConnectionRuntime, type Mysql2ModuleLike, wrapMysql2Connections } from '@goneaway/mysql2';
import { clusterRoutingFor } from '@goneaway/mysql2/adapter';
import { mysql2SettingsOf } from './mysql2-settings-of.js';
import type {
  ConnectionManager,
  Mysql2Connection,
  SequelizeConnectionConfig,
} from './sequelize-internals.js';
import { type StatementRunner, withoutStatementValues } from './without-statement-values.js';

/** The goneaway of each dialectModule goneAwaySequelize made: how stats(sequelize) finds it. */
const byDialectModule = new WeakMap<object, SequelizeGoneAway>();

/**
 * What one goneAwaySequelize call made: the wrapped mysql2 Sequelize connects with (its lone
 * connections share one runtime: packet guard, typed failures, limits, events, the retry engine and
 * the reconnect gate), the check Sequelize's pool runs before hand-out, and the idle reaper. Several
 * Sequelize instances made from the same options share it, as they share the server.
 */
export class SequelizeGoneAway {
  readonly dialectModule: Mysql2ModuleLike;
  readonly runtime: LoneConnectionRuntime;
  /** Hand-out checks whose ping is still running: the patched getConnection waits for them. */
  readonly #pendingChecks = new WeakMap<object, Promise<boolean>>();
  /**
   * Connections in Sequelize's pool (released, not handed out since), by the connection manager they
   * went back to: where the pipeline's reaper retires one that stays idle too long.
   */
  readonly #free = new WeakMap<object, ConnectionManager>();
  /** The statement of each goneaway error Sequelize tried to put it on (withoutStatementValues). */
  readonly #statements = new WeakMap<object, string>();

  /** The plain mysql2 module: the monitor's probe connections are its own (no goneaway on them). */
  readonly #mysql2: Mysql2ModuleLike;

  constructor(mysql2: Mysql2ModuleLike, options: GoneAwayOptions | undefined) {
    this.#mysql2 = mysql2;
    const wrapped = wrapMysql2Connections(mysql2, options, {
      // A free connection reached its limit, below the server's wait_timeout: it leaves Sequelize's
      // pool through Sequelize's own destroy (disconnect: COM_QUIT). One handed out meanwhile left
      // the free set in validate().
      closePolitely: (connection) => {
        const manager = this.#free.get(connection);
        this.#free.delete(connection);
        manager?.destroyConnection(connection as unknown as Mysql2Connection).catch(() => {
          // A connection that cannot say goodbye is gone anyway.
        });
      },
      isIdle: (connection) => this.#free.has(connection) && !connection._closing,
    });
    const createConnection = (config: unknown): unknown =>
      withoutStatementValues(
        (
          wrapped.mysql2 as unknown as { createConnection(config: unknown): StatementRunner }
        ).createConnection(config),
        this.#statements,
      );
    this.dialectModule = { ...wrapped.mysql2, createConnection } as Mysql2ModuleLike;
    this.runtime = wrapped.runtime;
    byDialectModule.set(this.dialectModule, this);
  }

  /**
   * With the `cluster` option: the host a new connection goes to, the writer or (`role: 'reader'`) a
   * reader in rotation (its routing, on a lease of the shared monitor, made on the first connect from
   * that connect's settings: the credentials Sequelize would use), waited for until `deadline`;
   * undefined without `cluster`.
   */
  async targetFor(
    config: SequelizeConnectionConfig,
    deadline: number | undefined,
  ): Promise<ClusterHost | undefined> {
    const { policy, pipeline } = this.runtime;
    const cluster = policy.cluster;
    if (cluster === undefined) return undefined;
    if (pipeline.routing === undefined) {
      pipeline.route(
        clusterRoutingFor(
          (settings) =>
            (this.#mysql2 as unknown as { createConnection(config: unknown): unknown }).createConnection(
              settings,
            ),
          mysql2SettingsOf(config),
          { cluster, role: policy.role },
          pipeline.hub,
        ),
      );
    }
    return (pipeline.routing as NonNullable<typeof pipeline.routing>).target(deadline);
  }

  /** The full statement Sequelize ran when it got this goneaway error (never on the error itself). */
  statementOf(error: unknown): string | undefined {
    return typeof error === 'object' && error !== null ? this.#statements.get(error) : undefined;
  }

  /**
   * Sequelize's `pool.validate`: sequelize-pool calls it, synchronously, for a free connection it is
   * about to hand out. False (dead, over its idle or lifetime limit) makes the pool destroy it and
   * take or create another. A connection due for a ping passes here and the ping's verdict waits in
   * #pendingChecks for the patched getConnection (sequelize-pool cannot wait for a promise).
   */
  validate(connection: Mysql2Connection): boolean {
    // Sequelize's own mysql check, which goneaway's validator does not read.
    if (!connection || connection._protocolError) return false;
    this.#free.delete(connection);
    const verdict = this.runtime.pipeline.validate(connection as never);
    if (typeof verdict === 'boolean') return verdict;
    this.#pendingChecks.set(connection, verdict);
    return true;
  }

  /** The ping validate() started for this connection, if one is running: true when it answered. */
  pendingCheck(connection: Mysql2Connection): Promise<boolean> | undefined {
    const check = this.#pendingChecks.get(connection);
    this.#pendingChecks.delete(connection);
    return check;
  }

  /** The connection went back to `manager`'s pool: retired at its idle or lifetime deadline if still there. */
  released(connection: Mysql2Connection, manager: ConnectionManager): void {
    this.#free.set(connection, manager);
    this.runtime.pipeline.released(connection as never);
  }
}

/** The goneaway of a dialectModule goneAwaySequelize made, or undefined. */
export function goneAwayOfDialectModule(dialectModule: unknown): SequelizeGoneAway | undefined {
  return typeof dialectModule === 'object' && dialectModule !== null
    ? byDialectModule.get(dialectModule)
    : undefined;
}

/** The goneaway of a Sequelize instance made with goneAwaySequelize(options), or undefined. */
export function goneAwayOfSequelize(sequelize: unknown): SequelizeGoneAway | undefined {
  // `config` is Sequelize's typed public copy of the connection options (lib/sequelize.js constructor).
  const config = (sequelize as { config?: { dialectModule?: unknown } } | null | undefined)?.config;
  return goneAwayOfDialectModule(config?.dialectModule);
}
