import type { Policy } from '@goneaway/core';
import { createClusterRouting, markConnectPhase, sharedClusterMonitors } from '@goneaway/core/adapter';
import { AcquireWatchdog } from './acquire-watchdog.js';
import type { Mysql2Driver } from './connects-in-flight.js';
import type {
  KnexClient,
  KnexClientClass,
  KnexInternals,
  KnexPoolConfig,
  KnexPoolSettings,
  KnexQueryObject,
  KnexRunner,
  Mysql2Connection,
} from './knex-internals.js';
import { knexProbeConnector } from './knex-probe-connector.js';
import { KnexPluginInstance } from './plugin-instance.js';
import { composePoolHooks } from './pool-hooks.js';
import { statementSafety } from './statement-safety.js';

/** The class a goneaway client extends (knex's mysql2 client or the user's subclass of it), kept on the class. */
const CLIENT_BASE = Symbol.for('goneaway.knex.base');
/** Where a client's plugin instance lives: on its logger (see instanceOfClient). */
const RUNTIME = Symbol.for('goneaway.knex.runtime');
/** Each client's watchdog over its pool's waiting acquires (transaction clients have none: they never acquire). */
const WATCHDOG = Symbol('goneaway.knex.watchdog');
/** An acquire sends no statement: its failures are connect failures (sent 'no'), retried for any statement. */
const ACQUIRE_STATEMENT = Object.freeze({ safety: 'write' as const });

/**
 * The plugin instance of a knex client made by a goneaway client class, or undefined. It is kept on
 * the client's logger, the one object knex creates per client (client.js constructor) and hands, as
 * it is, to every client derived from it: transaction clients (execution/transaction.js,
 * makeTxClient) and withUserParams clones (knex-builder/make-knex.js) share the pool, so they share
 * the instance too, while a new knex(config), even from the same config, gets its own.
 */
export function instanceOfClient(client: unknown): KnexPluginInstance | undefined {
  const logger = (client as Partial<KnexClient> | null | undefined)?.logger;
  return logger?.[RUNTIME] as KnexPluginInstance | undefined;
}

/** The class a goneaway client class extends; undefined for any other class. */
export function baseOfGoneAwayClient(client: unknown): unknown {
  return (client as Record<symbol, unknown> | null | undefined)?.[CLIENT_BASE];
}

/**
 * A subclass of knex's mysql2 client, made per goneAway() call. It holds the policy; each client made
 * from it (each knex instance) creates its own plugin instance, found by its transaction clients
 * through instanceOfClient.
 */
export function createGoneAwayClient(
  Base: unknown,
  internals: KnexInternals,
  policy: Policy,
): KnexClientClass {
  const BaseClient = Base as KnexClientClass;
  const { honorsPoolValidate } = internals.knex;

  /** Created on first use: knex builds the pool settings inside the client constructor, before it returns. */
  function instanceFor(client: KnexClient): KnexPluginInstance {
    const existing = instanceOfClient(client);
    if (existing) return existing;
    const created = new KnexPluginInstance(policy);
    Object.defineProperty(client.logger, RUNTIME, { value: created, configurable: true });
    return created;
  }

  /**
   * knex's own acquire (client.js, acquireConnection), its tarn acquire stamped with the call's
   * outage deadline so the watchdog can end the wait there.
   */
  function acquireWithin(client: KnexClient, deadline: number): Promise<Mysql2Connection> {
    const acquiring = BaseClient.prototype.acquireConnection.call(client);
    (client as { [WATCHDOG]?: AcquireWatchdog })[WATCHDOG]?.stamp(client.pool, deadline);
    return acquiring;
  }

  /** knex's resolved connection settings (client.js: from the config, or the provider's latest result). */
  function settingsOf(client: KnexClient): Record<string, unknown> | undefined {
    const settings = (client as { connectionSettings?: unknown }).connectionSettings;
    return settings !== null && typeof settings === 'object'
      ? (settings as Record<string, unknown>)
      : undefined;
  }

  /** Where the pool connects (host:port or the socket path): never more, so never a credential. */
  function targetOf(client: KnexClient): string | undefined {
    const settings = settingsOf(client);
    if (settings === undefined) return undefined;
    if (typeof settings.socketPath === 'string') return settings.socketPath;
    const host = typeof settings.host === 'string' ? settings.host : 'localhost';
    const port =
      typeof settings.port === 'number' || typeof settings.port === 'string' ? settings.port : 3306;
    return `${host}:${port}`;
  }

  class GoneAwayRunner extends internals.Runner {
    lastQuery: KnexQueryObject | undefined;

    /**
     * The runner is its own statement description for the retry engine, which asks only after a
     * failure: the getters defer the work to that moment and nothing is allocated per query.
     * Nothing compiled yet means the failure came before any statement was sent (an acquire).
     */
    get safety(): 'read' | 'write' {
      return this.lastQuery ? statementSafety(this.lastQuery) : 'write';
    }

    get sql(): string | undefined {
      return this.lastQuery?.sql;
    }

    override query(obj: KnexQueryObject): Promise<unknown> {
      this.lastQuery = obj;
      return super.query(obj);
    }

    override run(): Promise<unknown> {
      const builder = this.builder;
      const pinned = builder._connection !== undefined && builder._connection !== null;
      // Inside a transaction, on a pinned connection or for a schema batch (queryArray), a statement
      // is never run again: the connection's session state belongs to the caller.
      if (pinned || this.client.transacting || Array.isArray(builder._sequence)) return super.run();
      // The happy path is knex's own (Runner.run): only a failure goes to the retry engine, which
      // counts the caller's wait from here.
      const startedAt = performance.now();
      return this.ensureConnection(internals.ensureConnectionCallback).then(
        (result) => {
          builder.emit('end');
          return result;
        },
        (error: unknown) => this.#recover(error, startedAt),
      );
    }

    /**
     * One more attempt: knex's ensureConnection (runner.js), with the acquire bounded by this call's
     * outage deadline (ensureConnection's own would start a budget of its own) and its failures left
     * to this call's retry loop.
     */
    async #attemptWithin(deadline: number): Promise<unknown> {
      this.connection = undefined;
      let connection: Mysql2Connection;
      try {
        connection = await acquireWithin(this.client, deadline);
      } catch (error) {
        // What ensureConnection adds to a pool timeout (KnexTimeoutError), so the message stays knex's.
        if ((error as { name?: unknown } | null)?.name === 'KnexTimeoutError') {
          const { sql, bindings } = this.builder as { sql?: unknown; bindings?: unknown };
          Object.assign(error as object, { sql, bindings });
        }
        throw error;
      }
      try {
        this.connection = connection;
        return await internals.ensureConnectionCallback(this);
      } finally {
        await this.client.releaseConnection(connection);
      }
    }

    async #recover(error: unknown, startedAt: number): Promise<unknown> {
      const builder = this.builder;
      const instance = instanceFor(this.client);
      try {
        // A destroyed knex instance fails as knex does ("Unable to acquire a connection").
        if (instance.closed) throw error;
        const result = await instance.retry.execute(
          (context) => this.#attemptWithin(context.deadline),
          // The first attempt's acquire was admitted by the breaker in acquireConnection.
          { statement: this, gatedConnects: true, firstFailure: { error }, startedAt },
        );
        builder.emit('end');
        return result;
      } catch (final) {
        if (builder._events?.error) builder.emit('error', final);
        throw final;
      }
    }
  }

  class GoneAwayClient extends BaseClient {
    static readonly [CLIENT_BASE] = Base;
    readonly [WATCHDOG]: AcquireWatchdog;

    constructor(config: Record<string, unknown>) {
      super(config);
      const instance = instanceFor(this);
      // Each raw connect is recorded, so that destroy() can end one still under way.
      const driver = this.driver as Partial<Mysql2Driver> | undefined;
      if (typeof driver?.createConnection === 'function') {
        this.driver = instance.connects.track(driver as Mysql2Driver, (config) =>
          instance.rewriteConfig(config),
        );
        const cluster = policy.cluster;
        if (cluster !== undefined) {
          // One monitor per cluster and user in the process, shared with every other pool naming it
          // (a writer instance and a reader instance, `role: 'reader'`, of one cluster share it).
          instance.routeWith(() =>
            createClusterRouting(
              policy.role,
              sharedClusterMonitors.acquire({
                cluster,
                connect: knexProbeConnector(
                  driver as Mysql2Driver,
                  () => settingsOf(this),
                  cluster.probeTimeoutMs,
                ),
                user: String(settingsOf(this)?.user ?? ''),
                events: instance.hub,
              }),
              cluster,
            ),
          );
        }
      }
      this[WATCHDOG] = new AcquireWatchdog({
        // The instance's gate is replaced when knex.initialize() reopens it after a destroy.
        gate: () => instance.gate,
        budgetMs: policy.outageBudgetMs,
        target: () => targetOf(this),
        // knex logs each rejected acquire ("Acquire connection error"): goneaway answers it itself.
        onCutOff: (error) => instance.onConnectFailed(error),
      });
      // Wrapping knex's logger (not config.log) keeps knex's default output, or the user's log.warn,
      // for everything except the lines about errors goneaway has already handled.
      const logger = this.logger;
      const warn = logger.warn.bind(logger);
      logger.warn = (message: unknown) => {
        if (!instance.warnings.consume(message)) warn(message);
      };
    }

    override runner(builder: unknown): KnexRunner {
      return new GoneAwayRunner(this, builder);
    }

    /**
     * Composes goneaway's afterCreate and validate with the user's, for this client's pool only.
     * knex 2.5 to 3.1 ignore `pool.validate` (client.js getPoolSettings overwrites it): there
     * goneaway's check runs after knex's own, and the user's validate stays ignored, as in knex.
     */
    override getPoolSettings(poolConfig: KnexPoolConfig | undefined): KnexPoolSettings {
      const hooks = composePoolHooks(
        honorsPoolValidate ? poolConfig : { afterCreate: poolConfig?.afterCreate },
        () => instanceFor(this),
      );
      const settings = super.getPoolSettings({
        ...poolConfig,
        afterCreate: hooks.afterCreate,
        validate: hooks.validate,
      });
      if (!honorsPoolValidate) {
        const knexValidate = settings.validate;
        settings.validate = async (connection) =>
          (await knexValidate(connection)) && (await hooks.validate(connection));
      }
      return settings;
    }

    /** knex.initialize() after knex.destroy(): the new pool gets a working retry engine and gate. */
    override initializePool(config?: Record<string, unknown>): void {
      instanceFor(this).reopen();
      super.initializePool(config);
    }

    /**
     * Every acquire waits out an outage, not only the Runner's: knex's transactions take their
     * connection straight from here (execution/transaction.js, acquireConnection), and tarn rejects
     * a pending acquire with the connect error as soon as one create fails (propagateCreateError).
     * A failed acquire sent nothing, so it is safe to try again for any statement.
     */
    override acquireConnection(): Promise<Mysql2Connection> {
      const instance = instanceFor(this);
      if (instance.closed) return super.acquireConnection();
      const startedAt = performance.now();
      // While the circuit is open the engine fails fast (or lets this call probe); otherwise the
      // acquire runs as in knex, its wait bounded by the outage budget, and only a failure goes to
      // the engine (which goes on within the same budget).
      if (instance.retry.circuit === 'open') {
        return instance.retry.execute((context) => acquireWithin(this, context.deadline), {
          statement: ACQUIRE_STATEMENT,
          gatedConnects: true,
          startedAt,
        });
      }
      return acquireWithin(this, startedAt + policy.outageBudgetMs).catch((error: unknown) =>
        instance.retry.execute((context) => acquireWithin(this, context.deadline), {
          statement: ACQUIRE_STATEMENT,
          gatedConnects: true,
          firstFailure: { error },
          startedAt,
        }),
      );
    }

    override async acquireRawConnection(): Promise<Mysql2Connection> {
      const instance = instanceFor(this);
      // knex still cancels a timed-out query of a destroyed instance (dialects/mysql, cancelQuery).
      // Through connects.run all the same: the connection it makes leaves the tracked set when it settles.
      if (instance.closed) return instance.connects.run(super.acquireRawConnection());
      const watchdog = this[WATCHDOG];
      // The password this connect uses never appears in a message goneaway quotes (a provider may
      // hand out a new one, hence here, per connect).
      instance.retry.redactor.add(settingsOf(this)?.password);
      try {
        const connecting = instance.gate.connect(() =>
          instance.connectRaw(() => super.acquireRawConnection()),
        );
        // The acquires waiting for this connect are waiting out a possible outage from now.
        watchdog?.connectChanged();
        return await connecting;
      } catch (error) {
        watchdog?.connectChanged();
        // Ended by destroy(): not a failure of the server's to report.
        if (instance.closed) throw error;
        instance.onConnectFailed(error);
        // Nothing of the application's was sent on a connection that never finished connecting.
        throw markConnectPhase(error, targetOf(this));
      }
    }

    override destroyRawConnection(connection: Mysql2Connection): Promise<void> {
      instanceFor(this).onDestroyed(connection);
      return super.destroyRawConnection(connection);
    }

    override destroy(callback?: unknown): Promise<void> {
      // Only this knex instance's: others made from the same config keep theirs.
      this[WATCHDOG]?.close();
      instanceFor(this).close();
      return super.destroy(callback);
    }

    override releaseConnection(connection: Mysql2Connection): Promise<void> {
      instanceFor(this).onReleased(connection);
      return super.releaseConnection(connection);
    }

    /**
     * Client.query (client.js) wraps executeQuery, which prepends the formatted SQL, values
     * included, to the message of any error thrown below it (execution/internal/query-executioner.js).
     * goneaway's own errors are therefore made here, above it, so their messages stay free of values.
     */
    override query(
      connection: Mysql2Connection,
      queryParam: KnexQueryObject | string,
    ): Promise<KnexQueryObject> {
      const obj: KnexQueryObject = typeof queryParam === 'string' ? { sql: queryParam } : queryParam;
      const instance = instanceFor(this);
      const { pipeline } = instance;
      const state = pipeline.stateOf(connection);
      if (state?.transactionLost && this.transacting) {
        // The transaction is already gone: do not touch the dead connection again.
        return Promise.reject(state.transactionLost);
      }
      if (state !== undefined) {
        // A connection to a cluster's old writer: nothing is sent (a transaction is lost; anything else
        // runs again on the new writer through the Runner's retry loop).
        const moved = pipeline.refuseOffWriter(state, obj.sql, this.transacting === true);
        if (moved !== undefined) return Promise.reject(moved);
      }
      if (policy.packetGuard && state && typeof obj.sql === 'string') {
        const rejection = pipeline.refusePacket(connection, state, obj.sql, obj);
        if (rejection) return Promise.reject(rejection);
      }
      if (policy.statementTimeoutMs !== false && obj.options?.timeout === undefined) {
        obj.options = { ...obj.options, timeout: policy.statementTimeoutMs };
      }
      const transacting = this.transacting === true;
      // knex tracks its transactions itself (trx clients): a statement inside one is held by its
      // transaction, never run again; outside, the Runner's retry loop decides from the driver's error.
      return super.query(connection, obj).then(
        (answered) => {
          // A writer with replication read-your-writes records the GTID of a commit (mysql2's [header, fields]).
          pipeline.statementSucceeded((answered as { response?: unknown }).response);
          return answered;
        },
        (error: unknown) => {
          throw pipeline.statementFailed(connection, state, obj.sql, transacting, transacting, error);
        },
      );
    }
  }

  return GoneAwayClient as unknown as KnexClientClass;
}
