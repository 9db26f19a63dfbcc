import { isGoneAwayError, isReadOnlyStatement, type Policy } from '@goneaway/core';
import {
  type AcquireContext,
  ConnectionPipeline,
  type EventHub,
  markConnectPhase,
  type PoolDriver,
  type ReconnectGate,
  type RetryEngine,
  transactionBoundary,
} from '@goneaway/core/adapter';
import { AwaitedReplies } from './awaited-replies.js';
import { BoundedAcquire } from './bounded-acquire.js';
import {
  type CallKind,
  type MariadbStatement,
  mariadbConnectionDriver,
} from './mariadb-connection-driver.js';
import type { MariadbConnection, MariadbPool } from './mariadb-shapes.js';
import { parseCall } from './mariadb-shapes.js';
import type { RoutedStream } from './routed-stream.js';

/**
 * Everything one goneAwayPrisma() factory owns: core's pipeline over mariadb's connections (the
 * policy, events, retry engine, reconnect gate, hand-out checks, what is known of each connection),
 * the pools of the adapters it made, and the replies of held statements someone waits for.
 */
export class PrismaGoneawayInstance {
  readonly pipeline: ConnectionPipeline<MariadbConnection, MariadbStatement>;
  /** Replies of held connections' statements someone waits for (the commit marker insert). */
  readonly replies = new AwaitedReplies();
  readonly #pools = new Set<MariadbPool>();
  readonly #poolDrivers = new WeakMap<MariadbPool, PoolDriver<MariadbConnection>>();
  readonly #bounded = new BoundedAcquire();

  /**
   * `routedStream`: with the `cluster` option, where the pool's new connections go (the writer, or a
   * reader with `role: 'reader'`) and which host each went to, so that the pipeline sweeps those to a
   * host that is no longer right.
   */
  constructor(
    readonly policy: Policy,
    readonly routedStream?: RoutedStream,
  ) {
    this.pipeline = new ConnectionPipeline(
      policy,
      routedStream === undefined
        ? mariadbConnectionDriver
        : { ...mariadbConnectionDriver, hostOf: (connection) => routedStream.hostOf(connection) },
    );
  }

  /**
   * With a cluster: the pool follows its routing on the shared monitor (a lease taken on the first
   * connect, and again after a $disconnect() gave it back); waits for a host to connect to (the
   * writer, or a reader) until `deadline` (GONEAWAY_UNAVAILABLE naming every host after it).
   */
  async route(deadline: number): Promise<void> {
    const stream = this.routedStream;
    if (stream === undefined) return;
    let routing = this.pipeline.routing;
    if (routing === undefined) {
      routing = stream.lease(this.hub);
      this.pipeline.route(routing);
    }
    await routing.target(deadline);
  }

  /** The client disconnected: the lease on the cluster's monitor goes back (the last one stops its probes). */
  unroute(): void {
    this.routedStream?.release();
    this.pipeline.route(undefined);
  }

  get hub(): EventHub {
    return this.pipeline.hub;
  }

  get retry(): RetryEngine {
    return this.pipeline.retry;
  }

  get gate(): ReconnectGate {
    return this.pipeline.gate;
  }

  /**
   * Gives the adapter's mariadb pool the policy, by own properties on the pool object (the adapter
   * calls `pool.execute`/`pool.query` for statements outside a transaction, `pool.getConnection` for one).
   */
  wrapPool(pool: MariadbPool): void {
    if (this.#pools.has(pool)) return;
    this.#pools.add(pool);
    this.#bounded.watch(pool);
    const proto = Object.getPrototypeOf(pool) as MariadbPool;
    const pooled =
      (kind: CallKind) =>
      (sql: unknown, values?: unknown): Promise<unknown> => {
        if (pool.closed) return proto[kind].call(pool, sql, values);
        const call = parseCall(sql, values);
        // Decided only after a failure: the happy path does not scan the SQL.
        const statement = {
          get safety(): 'read' | 'write' {
            return call.sql !== undefined && isReadOnlyStatement(call.sql) ? 'read' : 'write';
          },
          sql: call.sql,
        };
        return this.retry
          .execute(
            async (context) => {
              const connection = await this.acquire(pool, context);
              try {
                return await this.#run(connection, kind, sql, values, false);
              } finally {
                await this.#finish(connection);
              }
            },
            { statement, gatedConnects: true },
          )
          .catch(rethrowForPrisma);
      };
    Object.assign(pool, {
      query: pooled('query'),
      execute: pooled('execute'),
      getConnection: (): Promise<MariadbConnection> => {
        if (pool.closed) return proto.getConnection.call(pool);
        // An acquire sends nothing of the application's: its failures are connect failures, safe to retry.
        return this.retry
          .execute(async (context) => this.#hold(await this.acquire(pool, context)), {
            statement: { safety: 'write' },
            gatedConnects: true,
          })
          .catch(rethrowForPrisma);
      },
    });
  }

  /**
   * The pool statements outside a transaction run on: the last one wrapped that is still open (Prisma
   * connects again after $disconnect(), on a new pool); undefined before Prisma connected.
   */
  openPool(): MariadbPool | undefined {
    let open: MariadbPool | undefined;
    for (const pool of this.#pools) if (!pool.closed) open = pool;
    return open;
  }

  /**
   * One acquire (the pipeline's): a connection from mariadb's own pool that passes validation. Only a
   * pool with no connection at all (a cold start, or every connection lost in an outage) connects
   * through the single-flight gate; a busy pool's callers wait in mariadb's own queue, first come first
   * served (through the gate, one at a time, they starved behind callers that found a connection idle).
   */
  acquire(pool: MariadbPool, context: AcquireContext): Promise<MariadbConnection> {
    return this.pipeline.acquire(this.#poolDriverOf(pool), context);
  }

  #poolDriverOf(pool: MariadbPool): PoolDriver<MariadbConnection> {
    let driver = this.#poolDrivers.get(pool);
    if (driver === undefined) {
      driver = this.#createPoolDriver(pool);
      this.#poolDrivers.set(pool, driver);
    }
    return driver;
  }

  /**
   * mariadb's pool as the pipeline's pool: new connections only for an empty pool; a waiter's wait
   * bounded by the call's outage deadline once there is a sign of an outage (a first attempt waiting
   * for a busy pool is mariadb's own wait, its acquireTimeout, as it would be without goneaway).
   */
  #createPoolDriver(pool: MariadbPool): PoolDriver<MariadbConnection> {
    const bounded = this.#bounded;
    return {
      wouldConnect: () => pool.totalConnections() === 0,
      create: async (context) => {
        // A failover under way (or no reader in rotation): wait for a host within the call's budget
        // (then GONEAWAY_UNAVAILABLE naming every host, marked as a connect failure: nothing was
        // sent), so that the connection mariadb makes now goes there (RoutedStream).
        const routing = this.pipeline.routing;
        if (routing !== undefined) {
          await routing.target(
            context.deadline ?? performance.now() + this.policy.outageBudgetMs,
            context.signal,
          );
        }
        const connection = await bounded.acquire(pool, context.deadline);
        bounded.connected(pool);
        return connection;
      },
      acquire: async (context) => {
        const outage = context.attempt > 1 || this.gate.isDown || bounded.failedLately(pool);
        // mariadb hands an idle connection to whoever asks first, and serves its queue of waiting
        // callers only on the next tick after a release: a caller whose next statement follows its
        // release within the same run of promise callbacks would take the connection back every time,
        // and the queued callers wait until mariadb's acquireTimeout fails them. While callers are
        // queued, ask on a later tick than the one that serves them (a tick: a connection never waits idle).
        if (pool.taskQueueSize() > 0) await new Promise<void>((resolve) => process.nextTick(resolve));
        try {
          const connection = await bounded.acquire(pool, outage ? context.deadline : undefined);
          bounded.connected(pool);
          return connection;
        } catch (error) {
          // Nothing was sent on a connection that could not be acquired.
          throw markConnectPhase(error);
        }
      },
      release: (connection) => {
        connection.release().catch(() => undefined);
      },
      destroy: (connection) => connection.destroy(),
    };
  }

  /**
   * A connection handed to the adapter for a transaction: its statements go through the pipeline,
   * and its failures become typed (nothing on it is ever run again: the session is the transaction's).
   */
  #hold(connection: MariadbConnection): MariadbConnection {
    const release = connection.release;
    Object.assign(connection, {
      query: (sql: unknown, values?: unknown) =>
        this.#run(connection, 'query', sql, values, true).catch(rethrowForPrisma),
      execute: (sql: unknown, values?: unknown) =>
        this.#run(connection, 'execute', sql, values, true).catch(rethrowForPrisma),
      release: async () => {
        this.pipeline.released(connection);
        if (this.pipeline.isDead(connection)) connection.destroy();
        else await release.call(connection);
      },
    });
    return connection;
  }

  async #run(
    connection: MariadbConnection,
    kind: CallKind,
    sql: unknown,
    values: unknown,
    held: boolean,
  ): Promise<unknown> {
    const { pipeline } = this;
    const proto = Object.getPrototypeOf(connection) as MariadbConnection;
    const state = pipeline.stateOf(connection) ?? (await pipeline.adopt(connection));
    const call = parseCall(sql, values);
    const text = call.sql ?? '';
    const refusal = pipeline.beforeStatement(connection, state, text, { kind, call }, held);
    if (refusal !== undefined) {
      // The server already rolled the transaction back: a ROLLBACK has nothing left to do.
      if (refusal === state.transactionLost && transactionBoundary(text) === 'rollback') return [];
      throw refusal;
    }
    const transacting = state.statementInTransaction;
    try {
      const result = await proto[kind].call(connection, sql, values);
      state.markUsed();
      // The routing's read-your-writes bookkeeping (nothing to record from mariadb's OK packets today:
      // goneAwayPrisma refuses readYourWrites with replication).
      pipeline.statementSucceeded(result);
      if (held && this.replies.size > 0) this.replies.deliver(text, result, connection.threadId);
      return result;
    } catch (error) {
      state.markUsed();
      throw pipeline.statementFailed(connection, state, text, transacting, held, error);
    }
  }

  async #finish(connection: MariadbConnection): Promise<void> {
    if (this.pipeline.isDead(connection)) connection.destroy();
    else await connection.release().catch(() => undefined);
  }
}

/**
 * Prisma rethrows an adapter error that is not a driver error as PrismaClientKnownRequestError with
 * the error's `message`, string `code` and `meta`, and drops everything else: goneaway's typed fields
 * (hint, classification, packetBytes…) travel in `meta.goneaway` (toJSON(): never values or passwords).
 */
export function rethrowForPrisma(error: unknown): never {
  if (isGoneAwayError(error) && !Object.hasOwn(error, 'meta')) {
    Object.defineProperty(error, 'meta', {
      value: { goneaway: error.toJSON() },
      configurable: true,
      writable: true,
    });
  }
  throw error;
}
