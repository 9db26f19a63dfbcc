import type { Policy } from '@goneaway/core';
import {
  type ClusterRouting,
  type ConnectionDriver,
  ConnectionPipeline,
  type EventHub,
  type PoolDriver,
  type RetryEngine,
} from '@goneaway/core/adapter';
import { HeldConnections } from './held-connections.js';
import { type CallKind, type Mysql2Statement, mysql2ConnectionDriver } from './mysql2-connection-driver.js';
import type { CorePool, CorePoolConnection, Mysql2Callback } from './mysql2-internals.js';
import { getConnectionOf, mysql2PoolDriver, wouldConnect } from './mysql2-pool-driver.js';
import type { Mysql2Call } from './parse-call.js';
import { StatementDispatcher } from './statement-dispatcher.js';
import { statementOf } from './statement-of.js';

export type { CallKind } from './mysql2-connection-driver.js';

/**
 * How a host library that pools lone connections itself (Sequelize) retires one: through its own
 * pool's destroy, and only while the connection sits in that pool.
 */
export type LoneConnectionRetirement = Required<
  Pick<ConnectionDriver<CorePoolConnection, Mysql2Statement>, 'closePolitely' | 'isIdle'>
>;

type AcquireCallback = (error: unknown, connection?: CorePoolConnection) => void;

/** An acquire sends no statement: its failures are connect failures (sent 'no'), retried for any statement. */
const ACQUIRE_STATEMENT = Object.freeze({ safety: 'write' as const });

/**
 * One wrapped mysql2 pool (or the lone connections of one wrapped createConnection): core's pipeline
 * over mysql2's connections, and the pool's paths into it. Pool statements run in callbacks on
 * mysql2's own acquire when all is well (the fast path), and through the retry engine only after a
 * failure, for a connect, or while the circuit is open.
 */
export class Mysql2PoolInstance {
  readonly pipeline: ConnectionPipeline<CorePoolConnection, Mysql2Statement>;
  readonly #dispatcher: StatementDispatcher;
  readonly #held: HeldConnections;
  readonly #poolDriver: PoolDriver<CorePoolConnection> | undefined;

  /**
   * `pool`: the core pool this instance wraps, whose held connections may be replaced; none for lone
   * connections (createConnection), which nothing can replace.
   */
  constructor(
    readonly policy: Policy,
    readonly pool?: CorePool,
    retirement?: LoneConnectionRetirement,
  ) {
    this.pipeline = new ConnectionPipeline(
      policy,
      retirement === undefined ? mysql2ConnectionDriver : { ...mysql2ConnectionDriver, ...retirement },
    );
    this.#dispatcher = new StatementDispatcher(this.pipeline, policy, pool === undefined);
    this.#held = new HeldConnections(
      this.pipeline,
      this.#dispatcher,
      pool === undefined ? undefined : (signal, deadline) => this.acquire(pool, signal, deadline),
    );
    this.#poolDriver =
      pool === undefined
        ? undefined
        : mysql2PoolDriver(pool, (connection) => this.#held.patch(connection), this.pipeline.retry.redactor, {
            routing: () => this.pipeline.routing,
            budgetMs: policy.outageBudgetMs,
          });
  }

  /**
   * Routes the pool's connections to the writer of the `cluster` option (or its readers, `role:
   * 'reader'`): new ones are made there, one to a host no longer chosen is swept at hand-out and
   * refused at its next statement. The routing's lease on
   * the shared monitor goes back when the pool ends (destroy()).
   */
  routeWith(routing: ClusterRouting): void {
    this.pipeline.route(routing);
  }

  get hub(): EventHub {
    return this.pipeline.hub;
  }

  get retry(): RetryEngine {
    return this.pipeline.retry;
  }

  /** pool.getConnection(): a validated connection, an outage waited out within the budget. */
  getConnection(core: CorePool): Promise<CorePoolConnection> {
    return this.retry.execute((context) => this.acquire(core, context.signal, context.deadline), {
      statement: ACQUIRE_STATEMENT,
      gatedConnects: true,
    });
  }

  /**
   * pool.getConnection(callback). The happy path is mysql2's own acquire plus the synchronous check;
   * a failure, a connect to make or an open circuit goes to the retry engine (getConnection above).
   */
  getConnectionCallback(core: CorePool, callback: AcquireCallback): void {
    // The caller's wait (and its outage budget) starts here, fast path included.
    const startedAt = performance.now();
    if (!this.#fastPathOpen(core)) {
      this.#getConnectionSlow(core, callback, undefined, startedAt);
      return;
    }
    this.#acquireFast(core, (error, connection) => {
      if (connection !== undefined) callback(null, connection);
      else this.#getConnectionSlow(core, callback, error, startedAt);
    });
  }

  #getConnectionSlow(
    core: CorePool,
    callback: AcquireCallback,
    firstFailure: unknown,
    startedAt: number,
  ): void {
    this.retry
      .execute((context) => this.acquire(core, context.signal, context.deadline), {
        statement: ACQUIRE_STATEMENT,
        gatedConnects: true,
        startedAt,
        ...(firstFailure === undefined ? {} : { firstFailure: { error: firstFailure } }),
      })
      .then(
        (connection) => process.nextTick(callback, null, connection),
        (error: unknown) => process.nextTick(callback, error),
      );
  }

  /**
   * pool.query()/pool.execute() with a callback. The happy path runs in callbacks, as mysql2's own
   * pool does, without the retry engine: a free connection that passes the synchronous check, the
   * statement, the release. Only a failure (the engine goes on from it: `firstFailure`), a connect to
   * make (the reconnect gate) or an open circuit (fail fast) pays for the engine.
   */
  runPooled(core: CorePool, kind: CallKind, call: Mysql2Call, callback: Mysql2Callback): void {
    // The caller's wait (and its outage budget) starts here, fast path included.
    const startedAt = performance.now();
    if (!this.#fastPathOpen(core)) {
      this.#runPooledSlow(core, kind, call, callback, undefined, startedAt);
      return;
    }
    this.#acquireFast(core, (acquireError, connection) => {
      if (connection === undefined) {
        this.#runPooledSlow(core, kind, call, callback, acquireError, startedAt);
        return;
      }
      this.#runOnce(connection, kind, call, (error, rows, fields) => {
        if (error) this.#runPooledSlow(core, kind, call, callback, error, startedAt);
        else callback(null, rows, fields);
      });
    });
  }

  #runPooledSlow(
    core: CorePool,
    kind: CallKind,
    call: Mysql2Call,
    callback: Mysql2Callback,
    firstFailure: unknown,
    startedAt: number,
  ): void {
    this.retry
      .execute(
        async (context) => {
          const connection = await this.acquire(core, context.signal, context.deadline);
          return new Promise<[unknown, unknown]>((resolve, reject) => {
            this.#runOnce(connection, kind, call, (error, rows, fields) => {
              if (error) reject(error);
              else resolve([rows, fields]);
            });
          });
        },
        {
          statement: statementOf(call.sql),
          gatedConnects: true,
          startedAt,
          ...(firstFailure === undefined ? {} : { firstFailure: { error: firstFailure } }),
        },
      )
      .then(
        ([rows, fields]) => process.nextTick(callback, null, rows, fields),
        (error: unknown) => process.nextTick(callback, error),
      );
  }

  /** One statement of the pool on an acquired connection, which is released (or destroyed, if dead) before `done`. */
  #runOnce(connection: CorePoolConnection, kind: CallKind, call: Mysql2Call, done: Mysql2Callback): void {
    const finish: Mysql2Callback = (error, rows, fields) => {
      if (this.isDead(connection)) connection.destroy();
      else connection.release();
      done(error, rows, fields);
    };
    try {
      this.#dispatcher.dispatch(connection, kind, call, finish, false);
    } catch (error) {
      // mysql2 throws synchronously for bad bind values (undefined, functions).
      connection.release();
      done(error);
    }
  }

  /**
   * The happy path may be tried: the circuit is closed and an acquire now needs no new connection.
   * mysql2's getConnection runs synchronously after this check, so the fast path only takes a free
   * connection (validated: one to an old writer is swept) or queues; it never makes one, so never to
   * a host the cluster routing has not chosen (a connection to make goes through the gate's create).
   */
  #fastPathOpen(core: CorePool): boolean {
    return this.retry.circuit !== 'open' && !wouldConnect(core);
  }

  /**
   * mysql2's acquire, then the check before hand-out: `done(null, connection)` when it passes;
   * `done(error)` when the acquire (or setting up a connection goneaway had not seen) failed;
   * `done(undefined)` when the connection failed the check and was destroyed: the slow path acquires anew.
   */
  #acquireFast(core: CorePool, done: AcquireCallback): void {
    getConnectionOf(core, (error, connection) => {
      if (error || connection === undefined)
        return done(error ?? new Error('mysql2 handed out no connection'));
      const verdict =
        this.pipeline.stateOf(connection) === undefined
          ? this.#adoptAndValidate(connection)
          : this.pipeline.validate(connection);
      if (verdict === true) return done(null, connection);
      if (verdict === false) {
        connection.destroy();
        return done(undefined);
      }
      verdict.then(
        (ok) => {
          if (ok) return done(null, connection);
          connection.destroy();
          done(undefined);
        },
        (adoptError: unknown) => {
          connection.destroy();
          done(adoptError);
        },
      );
    });
  }

  async #adoptAndValidate(connection: CorePoolConnection): Promise<boolean> {
    await this.adopt(connection);
    return this.pipeline.validate(connection);
  }

  /**
   * One acquire (the pipeline's): a free connection that passes validation, or a new one made
   * through the gate, which stops waiting for it at `deadline` (the call's outage budget).
   */
  acquire(core: CorePool, signal?: AbortSignal, deadline?: number): Promise<CorePoolConnection> {
    const driver = this.#poolDriver;
    if (driver === undefined || core !== this.pool) {
      return Promise.reject(new TypeError('acquire: the pool is not the one this instance wraps'));
    }
    return this.pipeline.acquire(driver, { attempt: 1, signal, deadline });
  }

  /**
   * A new connection: goneaway's methods on it at once, then the pipeline's adoption (its server's
   * limits, one round trip). Calls made before the limits are known wait for them. `connected`: for a
   * connection still shaking hands, the limits are read once it settles; a query queued behind the
   * handshake would take the handshake's error from the connection's own 'error' event, which
   * Sequelize waits for.
   */
  async adopt(connection: CorePoolConnection, connected?: Promise<void>): Promise<void> {
    this.#held.patch(connection);
    let connectFailure: unknown;
    const adoption = this.pipeline.adopt(
      connection,
      connected?.catch((error: unknown) => {
        connectFailure = error;
        throw error;
      }),
    );
    // Settles with the connect error when the handshake failed: the calls that waited get it, as
    // mysql2 answers the commands queued behind a failed handshake.
    this.#dispatcher.waitFor(
      connection,
      adoption.then(
        () => undefined,
        () => connectFailure,
      ),
    );
    await adoption;
  }

  /** The connection can not be used again: destroy rather than release it. */
  isDead(connection: CorePoolConnection): boolean {
    return this.pipeline.isDead(connection);
  }

  /**
   * Before mysql2's pool.end(): connections still connecting leave the pool and are destroyed.
   * mysql2 ends each connection with a COM_QUIT queued behind its handshake, so a connect to a host
   * that never greets (one the outage budget already gave up on) would hold end() for a whole
   * connect timeout; TypeORM's initialize() ends the pool that way before it rejects.
   */
  dropPendingConnects(core: CorePool): void {
    const connecting: CorePoolConnection[] = [];
    for (let index = 0; index < core._allConnections.length; index++) {
      const connection = core._allConnections.get(index);
      if (connection?.authorized === false && typeof connection._removeFromPool === 'function') {
        connecting.push(connection);
      }
    }
    for (const connection of connecting) {
      connection._removeFromPool?.();
      connection.destroy();
      // mysql2's destroy() only half-closes the socket (stream.end()): a host that never greets
      // never answers the FIN either, and the open socket would keep the process up.
      connection.stream.destroy();
    }
  }

  destroy(): void {
    this.pipeline.close();
  }
}
