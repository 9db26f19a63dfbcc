import {
  ConnectionLostError,
  classify,
  describeSql,
  type GoneAwayError,
  isGoneAwayError,
  isReadOnlyStatement,
  type Policy,
} from '@goneaway/core';
import {
  assertPacketFits,
  type ConnectionValidator,
  connectCutOffAt,
  connectionIsGone,
  createPoolRuntime,
  deriveConnectionLimits,
  type EventHub,
  markConnectPhase,
  PooledConnectionState,
  type ReconnectGate,
  type RetryEngine,
  readServerLimits,
  transactionBoundary,
  transactionLossError,
  type ValidatableConnection,
} from '@goneaway/core/adapter';
import { AwaitedReplies } from './awaited-replies.js';
import type { MariadbConnection, MariadbPool } from './mariadb-shapes.js';
import { parseCall } from './mariadb-shapes.js';
import { largestPacketBytes } from './packet-bytes.js';

type CallKind = 'query' | 'execute';

/** What one acquire is told by the retry engine (AttemptContext's part it reads). */
interface AcquireContext {
  readonly attempt: number;
  readonly signal?: AbortSignal;
  /** The call's outage deadline: a wait for a connection to be made ends there. */
  readonly deadline: number;
}

/** A connection made for a caller that stopped waiting (its outage budget ran out): the pool keeps it. */
function releaseLate(connection: MariadbConnection): void {
  connection.release().catch(() => undefined);
}

interface Acquire {
  readonly reject: (error: unknown) => void;
}

/**
 * Everything one withGoneaway() factory owns: the policy, its event hub, the retry engine, the
 * reconnect gate, the pre-hand-out validator, and what is known about each physical connection
 * (keyed by mariadb's per-connection `info` object: the ConnectionPromise wrapper is new each time).
 */
export class PrismaGoneawayInstance {
  readonly hub: EventHub;
  readonly retry: RetryEngine;
  readonly gate: ReconnectGate;
  readonly validator: ConnectionValidator;
  /** Replies of held connections' statements someone waits for (the commit marker insert). */
  readonly replies = new AwaitedReplies();
  readonly #states = new WeakMap<object, PooledConnectionState>();
  readonly #adopting = new WeakMap<object, Promise<PooledConnectionState>>();
  readonly #pending = new Set<Acquire>();
  readonly #pools = new Set<MariadbPool>();
  /** Pools whose last connect was refused for good (a wrong password, a blocked host): the refusal. */
  readonly #refused = new WeakMap<MariadbPool, unknown>();
  readonly #probing = new WeakSet<MariadbPool>();
  /** The driver error of each pool's last failed connect (what a wait bounded by the budget ends with). */
  readonly #lastConnectError = new WeakMap<MariadbPool, unknown>();
  #limitsReported = false;

  constructor(readonly policy: Policy) {
    const runtime = createPoolRuntime(policy);
    this.hub = runtime.hub;
    this.retry = runtime.retry;
    this.gate = runtime.gate;
    this.validator = runtime.validator;
  }

  /**
   * Gives the adapter's mariadb pool the policy, by own properties on the pool object (the adapter
   * calls `pool.execute`/`pool.query` for statements outside a transaction, `pool.getConnection` for one).
   */
  wrapPool(pool: MariadbPool): void {
    if (this.#pools.has(pool)) return;
    this.#pools.add(pool);
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
    const onPoolError = (error: unknown) => {
      // mariadb reports each failed connect of its own as a pool error wrapping the driver's.
      const cause = (error as { cause?: unknown }).cause ?? error;
      this.#lastConnectError.set(pool, markConnectPhase(cause));
      // A wrong password (or a denied host) never gets better by waiting: answer every waiting call now.
      const classification = classify(error);
      if (classification.kind !== 'auth-failed' && classification.kind !== 'host-blocked') return;
      this.#refused.set(pool, cause);
      for (const acquire of this.#pending) acquire.reject(cause);
    };
    pool.on('error', onPoolError);
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
   * One acquire: a connection from mariadb's own pool that passes validation. Only a pool with no
   * connection at all (a cold start, or every connection lost in an outage) connects through the
   * single-flight gate; a busy pool's callers wait in mariadb's own queue, first come first served
   * (through the gate, one at a time, they starved behind callers that found a connection idle).
   * Waits for a connection to be made end at the call's outage deadline; a first attempt waiting for
   * a busy pool with no sign of an outage is mariadb's own wait (its acquireTimeout), as it would be
   * without goneaway.
   */
  async acquire(pool: MariadbPool, context: AcquireContext): Promise<MariadbConnection> {
    const { signal, deadline } = context;
    for (;;) {
      const proto = Object.getPrototypeOf(pool) as MariadbPool;
      const creates = pool.totalConnections() === 0;
      const outage = context.attempt > 1 || this.gate.isDown || this.#lastConnectError.has(pool);
      const connection = creates
        ? await this.gate.connect(() => this.#adoptNew(pool, proto, deadline), {
            signal,
            deadline,
            abandon: releaseLate,
          })
        : await this.#queuedAcquire(pool, proto, outage ? deadline : undefined);
      const state = await this.#stateOf(connection);
      const verdict = this.validator.validate(shim(connection), state);
      if (verdict === true || (verdict !== false && (await verdict))) return connection;
      connection.destroy();
    }
  }

  async #adoptNew(pool: MariadbPool, proto: MariadbPool, deadline: number): Promise<MariadbConnection> {
    let connection: MariadbConnection | undefined;
    try {
      connection = await this.#rawAcquire(pool, proto, deadline);
      await this.#stateOf(connection);
      return connection;
    } catch (error) {
      connection?.destroy();
      // Nothing of the application's was sent on a connection that never finished connecting.
      throw markConnectPhase(error);
    }
  }

  /**
   * mariadb hands an idle connection to whoever asks first, and serves its queue of waiting callers
   * only on the next tick after a release: a caller whose next statement follows its release within
   * the same run of promise callbacks would take the connection back every time, and the queued
   * callers wait until mariadb's acquireTimeout fails them. While callers are queued, ask on a later
   * tick than the one that serves them (a tick, not a macrotask: a connection never waits idle).
   * Nothing was sent on a connection that could not be acquired.
   */
  async #queuedAcquire(pool: MariadbPool, proto: MariadbPool, deadline?: number): Promise<MariadbConnection> {
    if (pool.taskQueueSize() > 0) await new Promise<void>((resolve) => process.nextTick(resolve));
    try {
      return await this.#rawAcquire(pool, proto, deadline);
    } catch (error) {
      throw markConnectPhase(error);
    }
  }

  /**
   * mariadb's own acquire, which a pool error that waiting cannot cure (a wrong password) ends at once.
   * While the server is unreachable mariadb keeps a waiter for its acquireTimeout (10 s by default):
   * the wait is bounded by the call's outage deadline, when given, and then fails with the last
   * connect error, so the retry engine answers GONEAWAY_UNAVAILABLE in time. A connection mariadb
   * hands over after that goes back to it.
   */
  #rawAcquire(pool: MariadbPool, proto: MariadbPool, deadline?: number): Promise<MariadbConnection> {
    const refused = this.#refused.get(pool);
    if (refused !== undefined && pool.totalConnections() === 0) {
      // The server refused our credentials and nothing has connected since: answer at once, and let
      // one acquire in the background find out when that changes (mariadb only connects for a waiter).
      this.#probe(pool, proto);
      return Promise.reject(refused);
    }
    const until = deadline === undefined ? undefined : connectCutOffAt(deadline, performance.now());
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const acquire: Acquire = {
        reject: (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.#pending.delete(acquire);
          reject(error);
        },
      };
      this.#pending.add(acquire);
      if (until !== undefined) {
        timer = setTimeout(
          () => acquire.reject(markConnectPhase(this.#lastConnectError.get(pool) ?? noConnectionInTime())),
          Math.max(0, until - performance.now()),
        );
        timer.unref?.();
      }
      proto.getConnection.call(pool).then(
        (connection) => {
          this.#pending.delete(acquire);
          if (settled) {
            // Abandoned (answered already): give it back.
            connection.release().catch(() => undefined);
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve(connection);
        },
        (error: unknown) => acquire.reject(error),
      );
    });
  }

  #probe(pool: MariadbPool, proto: MariadbPool): void {
    if (this.#probing.has(pool)) return;
    this.#probing.add(pool);
    proto.getConnection.call(pool).then(
      (connection) => {
        this.#probing.delete(pool);
        this.#refused.delete(pool);
        connection.release().catch(() => undefined);
      },
      () => this.#probing.delete(pool),
    );
  }

  /** The connection's state; a connection seen for the first time has its server limits read (one round trip). */
  #stateOf(connection: MariadbConnection): Promise<PooledConnectionState> | PooledConnectionState {
    const key = keyOf(connection);
    const known = this.#states.get(key);
    if (known !== undefined) return known;
    let adopting = this.#adopting.get(key);
    if (adopting === undefined) {
      adopting = this.#adopt(connection, key).finally(() => this.#adopting.delete(key));
      this.#adopting.set(key, adopting);
    }
    return adopting;
  }

  async #adopt(connection: MariadbConnection, key: object): Promise<PooledConnectionState> {
    const proto = Object.getPrototypeOf(connection) as MariadbConnection;
    // A connect succeeded: the pool's last connect error no longer says the server is unreachable.
    for (const pool of this.#pools) this.#lastConnectError.delete(pool);
    const serverLimits = await readServerLimits({
      query: async (sql) =>
        (await proto.query.call(connection, { sql, timeout: this.policy.connectTimeoutMs })) as ReadonlyArray<
          Record<string, unknown>
        >,
    });
    const derived = deriveConnectionLimits(serverLimits, this.policy);
    const state = new PooledConnectionState(serverLimits.connectionId, serverLimits, derived.limits);
    this.#states.set(key, state);
    if (!this.#limitsReported) {
      this.#limitsReported = true;
      this.hub.emit({ type: 'limits-discovered', limits: serverLimits, derived: derived.limits });
    }
    return state;
  }

  /**
   * A connection handed to the adapter for a transaction: its statements go through the packet guard,
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
        const state = this.#states.get(keyOf(connection));
        state?.markUsed();
        if (state !== undefined) this.#transacting.delete(state);
        if (this.#isDead(connection)) connection.destroy();
        else await release.call(connection);
      },
    });
    return connection;
  }

  /** States of connections inside a transaction (BEGIN seen, no COMMIT/ROLLBACK yet). */
  readonly #transacting = new WeakSet<PooledConnectionState>();

  async #run(
    connection: MariadbConnection,
    kind: CallKind,
    sql: unknown,
    values: unknown,
    held: boolean,
  ): Promise<unknown> {
    const proto = Object.getPrototypeOf(connection) as MariadbConnection;
    const state = await this.#stateOf(connection);
    const call = parseCall(sql, values);
    const text = call.sql ?? '';
    let transacting = this.#transacting.has(state);
    const boundary = transactionBoundary(text);
    if (transacting && state.transactionLost !== undefined) {
      // The server already rolled the transaction back: a ROLLBACK has nothing left to do, anything else fails at once.
      if (boundary === 'rollback') {
        this.#transacting.delete(state);
        return [];
      }
      throw state.transactionLost;
    }
    if (this.policy.packetGuard && call.sql !== undefined)
      this.#guardPacket(kind, call.sql, call.values, state);
    if (boundary === 'begin') {
      transacting = true;
      this.#transacting.add(state);
    } else if (transacting && boundary !== undefined) {
      this.#transacting.delete(state);
    }
    try {
      const result = await proto[kind].call(connection, sql, values);
      state.markUsed();
      if (held && this.replies.size > 0) this.replies.deliver(text, result, connection.threadId);
      return result;
    } catch (error) {
      state.markUsed();
      throw this.#onError(connection, state, text, transacting, held, error);
    }
  }

  #onError(
    connection: MariadbConnection,
    state: PooledConnectionState,
    sql: string,
    transacting: boolean,
    held: boolean,
    error: unknown,
  ): unknown {
    const classification = classify(error);
    this.validator.recordFailure(shim(connection), state, classification);
    if (!held || !connectionIsGone(classification)) return error;
    if (!transacting) return new ConnectionLostError({ cause: error, classification, statement: sql });
    const lost: GoneAwayError = transactionLossError(sql, classification, error);
    state.transactionLost = lost;
    return lost;
  }

  #guardPacket(kind: CallKind, sql: string, values: readonly unknown[], state: PooledConnectionState): void {
    const max = state.serverLimits.maxAllowedPacket;
    const bytes = largestPacketBytes(kind, sql, values);
    if (bytes < max) return;
    try {
      assertPacketFits(bytes, state.serverLimits, sql);
    } catch (error) {
      this.hub.emit({
        type: 'packet-rejected',
        packetBytes: bytes,
        maxAllowedPacket: max,
        statement: describeSql(sql),
      });
      throw error;
    }
  }

  async #finish(connection: MariadbConnection): Promise<void> {
    if (this.#isDead(connection)) connection.destroy();
    else await connection.release().catch(() => undefined);
  }

  #isDead(connection: MariadbConnection): boolean {
    return this.#states.get(keyOf(connection))?.unusable !== undefined || !connection.isValid();
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

/** A connect that did not finish in time, for classify: nothing was sent. */
function noConnectionInTime(): Error {
  return Object.assign(
    new Error('connect ETIMEDOUT: the mariadb pool gave no connection within the outage budget'),
    {
      code: 'ETIMEDOUT',
      syscall: 'connect',
    },
  );
}

function keyOf(connection: MariadbConnection): object {
  return connection.info ?? connection;
}

/** mariadb's connection in the shape core's validator reads (mysql2's field names). */
function shim(connection: MariadbConnection): ValidatableConnection {
  return {
    get _closing() {
      return !connection.isValid();
    },
    stream: {
      get destroyed() {
        return !connection.isValid();
      },
      destroy: () => connection.destroy(),
    },
    ping: (callback) => {
      connection.ping().then(
        () => callback(),
        (error: unknown) => callback(error ?? new Error('ping failed')),
      );
    },
  };
}
