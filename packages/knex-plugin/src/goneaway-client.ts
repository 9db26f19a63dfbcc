import { classify, describeSql, type Policy, type ServerLimits } from '@goneaway/core';
import {
  assertPacketFits,
  commandPacketBytes,
  connectionIsGone,
  formattedQueryBytes,
  markConnectPhase,
  queryBytesCeiling,
  transactionLossError,
} from '@goneaway/core/adapter';
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
import { KnexPluginInstance } from './plugin-instance.js';
import { composePoolHooks } from './pool-hooks.js';
import { statementSafety } from './statement-safety.js';

/** The class a goneaway client extends (knex's mysql2 client or the user's subclass of it), kept on the class. */
const CLIENT_BASE = Symbol.for('goneaway.knex.base');
/** Where a client's plugin instance lives: on its logger (see instanceOfClient). */
const RUNTIME = Symbol.for('goneaway.knex.runtime');
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

  // A plain function, not a private method: knex's transaction clients are Object.create()d from the
  // prototype (execution/transaction.js, makeTxClient), so they fail private-member brand checks.
  function onQueryError(
    instance: KnexPluginInstance,
    transacting: boolean,
    connection: Mysql2Connection,
    obj: KnexQueryObject,
    error: unknown,
  ): unknown {
    const classification = classify(error);
    const state = instance.states.get(connection);
    instance.validator.recordFailure(connection, state, classification);
    if (!transacting || !connectionIsGone(classification)) return error;
    const lost = transactionLossError(obj.sql, classification, error);
    if (state) state.transactionLost = lost;
    return lost;
  }

  /** The exact packet size is computed only when a cheap ceiling says it might not fit. */
  function guardPacket(
    instance: KnexPluginInstance,
    connection: Mysql2Connection,
    obj: KnexQueryObject,
    limits: ServerLimits,
  ): unknown {
    const max = limits.maxAllowedPacket;
    if (commandPacketBytes(queryBytesCeiling(obj.sql, obj.bindings)) < max) return undefined;
    const bytes = commandPacketBytes(
      formattedQueryBytes(obj.sql, obj.bindings, (sql, values) => connection.format(sql, values)),
    );
    try {
      assertPacketFits(bytes, limits, obj.sql);
      return undefined;
    } catch (error) {
      instance.hub.emit({
        type: 'packet-rejected',
        packetBytes: bytes,
        maxAllowedPacket: max,
        statement: describeSql(obj.sql),
      });
      return error;
    }
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
      // The happy path is knex's own (Runner.run): only a failure goes to the retry engine.
      return this.ensureConnection(internals.ensureConnectionCallback).then(
        (result) => {
          builder.emit('end');
          return result;
        },
        (error: unknown) => this.#recover(error),
      );
    }

    async #recover(error: unknown): Promise<unknown> {
      const builder = this.builder;
      const instance = instanceFor(this.client);
      try {
        // A destroyed knex instance fails as knex does ("Unable to acquire a connection").
        if (instance.closed) throw error;
        const result = await instance.retry.execute(
          () => {
            this.connection = undefined;
            return this.ensureConnection(internals.ensureConnectionCallback);
          },
          // The acquire inside is admitted by the breaker (and waits out outages) on its own.
          { statement: this, gatedConnects: true, admission: false, firstFailure: { error } },
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

    constructor(config: Record<string, unknown>) {
      super(config);
      const instance = instanceFor(this);
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
      const acquire = () => super.acquireConnection();
      if (instance.closed) return acquire();
      // While the circuit is open the engine fails fast (or lets this call probe); otherwise the
      // acquire runs as in knex and only a failure goes to the engine.
      if (instance.retry.circuit === 'open') {
        return instance.retry.execute(acquire, { statement: ACQUIRE_STATEMENT, gatedConnects: true });
      }
      return acquire().catch((error: unknown) =>
        instance.retry.execute(acquire, {
          statement: ACQUIRE_STATEMENT,
          gatedConnects: true,
          firstFailure: { error },
        }),
      );
    }

    override async acquireRawConnection(): Promise<Mysql2Connection> {
      const instance = instanceFor(this);
      // knex still cancels a timed-out query of a destroyed instance (dialects/mysql, cancelQuery).
      if (instance.closed) return super.acquireRawConnection();
      try {
        return await instance.gate.connect(() => super.acquireRawConnection());
      } catch (error) {
        instance.onConnectFailed(error);
        // Nothing of the application's was sent on a connection that never finished connecting.
        throw markConnectPhase(error);
      }
    }

    override destroyRawConnection(connection: Mysql2Connection): Promise<void> {
      instanceFor(this).onDestroyed(connection);
      return super.destroyRawConnection(connection);
    }

    override destroy(callback?: unknown): Promise<void> {
      // Only this knex instance's: others made from the same config keep theirs.
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
      const state = instance.states.get(connection);
      if (state?.transactionLost && this.transacting) {
        // The transaction is already gone: do not touch the dead connection again.
        return Promise.reject(state.transactionLost);
      }
      if (policy.packetGuard && state && typeof obj.sql === 'string') {
        const rejection = guardPacket(instance, connection, obj, state.serverLimits);
        if (rejection) return Promise.reject(rejection);
      }
      if (policy.statementTimeoutMs !== false && obj.options?.timeout === undefined) {
        obj.options = { ...obj.options, timeout: policy.statementTimeoutMs };
      }
      const transacting = this.transacting === true;
      return super.query(connection, obj).catch((error: unknown) => {
        throw onQueryError(instance, transacting, connection, obj, error);
      });
    }
  }

  return GoneAwayClient as unknown as KnexClientClass;
}
