import {
  assertPacketFits,
  classify,
  commandPacketBytes,
  connectionIsGone,
  describeSql,
  formattedQueryBytes,
  markConnectPhase,
  queryBytesCeiling,
  type ServerLimits,
  transactionLossError,
} from '@goneaway/core';
import { AcquireWatchdog } from './acquire-watchdog.js';
import type {
  KnexClient,
  KnexClientClass,
  KnexInternals,
  KnexQueryObject,
  KnexRunner,
  Mysql2Connection,
} from './knex-internals.js';
import type { KnexPluginInstance } from './plugin-instance.js';
import { statementSafety } from './statement-safety.js';

const CLIENT_INSTANCE = Symbol.for('goneaway.knex.instance');
/** Each client's watchdog over its pool's waiting acquires (transaction clients have none: they never acquire). */
const WATCHDOG = Symbol('goneaway.knex.watchdog');
/** An acquire sends no statement: its failures are connect failures (sent 'no'), retried for any statement. */
const ACQUIRE_STATEMENT = Object.freeze({ safety: 'write' as const });

export function instanceOfClient(client: unknown): KnexPluginInstance | undefined {
  const ctor = (client as { constructor?: Record<symbol, unknown> } | undefined)?.constructor;
  return ctor?.[CLIENT_INSTANCE] as KnexPluginInstance | undefined;
}

/**
 * A subclass of knex's mysql2 client, made per goneAway() call so that it and the transaction clients
 * knex derives from its prototype (execution/transaction.js, makeTxClient) share one plugin instance.
 */
export function createGoneAwayClient(
  Base: unknown,
  internals: KnexInternals,
  instance: KnexPluginInstance,
): KnexClientClass {
  const BaseClient = Base as KnexClientClass;
  const { policy } = instance;

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

  // A plain function, not a private method: knex's transaction clients are Object.create()d from the
  // prototype (execution/transaction.js, makeTxClient), so they fail private-member brand checks.
  function onQueryError(
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
  function guardPacket(connection: Mysql2Connection, obj: KnexQueryObject, limits: ServerLimits): unknown {
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
      try {
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
    static readonly [CLIENT_INSTANCE] = instance;
    readonly [WATCHDOG]: AcquireWatchdog;

    constructor(config: Record<string, unknown>) {
      super(config);
      this[WATCHDOG] = new AcquireWatchdog({
        gate: instance.gate,
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
     * Every acquire waits out an outage, not only the Runner's: knex's transactions take their
     * connection straight from here (execution/transaction.js, acquireConnection), and tarn rejects
     * a pending acquire with the connect error as soon as one create fails (propagateCreateError).
     * A failed acquire sent nothing, so it is safe to try again for any statement.
     */
    override acquireConnection(): Promise<Mysql2Connection> {
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
      const watchdog = this[WATCHDOG];
      // The password this connect uses never appears in a message goneaway quotes (a provider may
      // hand out a new one, hence here, per connect).
      instance.retry.redactor.add(settingsOf(this)?.password);
      try {
        const connecting = instance.gate.connect(() => super.acquireRawConnection());
        // The acquires waiting for this connect are waiting out a possible outage from now.
        watchdog?.connectChanged();
        return await connecting;
      } catch (error) {
        watchdog?.connectChanged();
        instance.onConnectFailed(error);
        // Nothing of the application's was sent on a connection that never finished connecting.
        throw markConnectPhase(error, targetOf(this));
      }
    }

    override destroyRawConnection(connection: Mysql2Connection): Promise<void> {
      instance.onDestroyed(connection);
      return super.destroyRawConnection(connection);
    }

    override destroy(callback?: unknown): Promise<void> {
      this[WATCHDOG]?.close();
      instance.reaper.close();
      // Calls still waiting out an outage end now instead of holding the process open.
      instance.retry.destroy();
      instance.gate.destroy();
      return super.destroy(callback);
    }

    override releaseConnection(connection: Mysql2Connection): Promise<void> {
      instance.onReleased(connection);
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
      const state = instance.states.get(connection);
      if (state?.transactionLost && this.transacting) {
        // The transaction is already gone: do not touch the dead connection again.
        return Promise.reject(state.transactionLost);
      }
      if (policy.packetGuard && state && typeof obj.sql === 'string') {
        const rejection = guardPacket(connection, obj, state.serverLimits);
        if (rejection) return Promise.reject(rejection);
      }
      if (policy.statementTimeoutMs !== false && obj.options?.timeout === undefined) {
        obj.options = { ...obj.options, timeout: policy.statementTimeoutMs };
      }
      const transacting = this.transacting === true;
      return super.query(connection, obj).catch((error: unknown) => {
        throw onQueryError(transacting, connection, obj, error);
      });
    }
  }

  return GoneAwayClient as unknown as KnexClientClass;
}
