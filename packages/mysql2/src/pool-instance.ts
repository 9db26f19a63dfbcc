import { EventEmitter } from 'node:events';
import {
  ConnectionLostError,
  classify,
  describeSql,
  isConnectionLost,
  isReadOnlyStatement,
  type Policy,
} from '@goneaway/core';
import {
  assertPacketFits,
  type ConnectionValidator,
  commandPacketBytes,
  connectionIsGone,
  createPoolRuntime,
  deriveConnectionLimits,
  type EventHub,
  formattedQueryBytes,
  IdleReaper,
  markConnectPhase,
  PooledConnectionState,
  queryBytesCeiling,
  type ReconnectGate,
  type RetryEngine,
  readServerLimits,
  reportEviction,
  sessionStateEffect,
  transactionBoundary,
  transactionLossError,
} from '@goneaway/core/adapter';
import { executePacketBytes } from './execute-packet-bytes.js';
import { HeldConnectionLease, type LeasePool } from './held-connection-lease.js';
import type { CorePool, CorePoolConnection, Mysql2Callback } from './mysql2-internals.js';
import { type Mysql2Call, parseCall } from './parse-call.js';

export type CallKind = 'query' | 'execute';

type AcquireCallback = (error: unknown, connection?: CorePoolConnection) => void;

/** The prototype's getConnection: the pool's own is goneaway's (it validates and retries). */
function getConnectionOf(core: CorePool, callback: AcquireCallback): void {
  (Object.getPrototypeOf(core) as CorePool).getConnection.call(core, callback);
}

function acquireOf(core: CorePool): Promise<CorePoolConnection> {
  return new Promise((resolve, reject) => {
    getConnectionOf(core, (error, connection) => {
      if (error || connection === undefined) reject(error);
      else resolve(connection);
    });
  });
}

/** What the retry engine is told about a pool statement; decided only after a failure (no SQL scan on the happy path). */
function statementOf(sql: string | undefined): { readonly safety: 'read' | 'write'; readonly sql?: string } {
  return {
    get safety(): 'read' | 'write' {
      return sql !== undefined && isReadOnlyStatement(sql) ? 'read' : 'write';
    },
    sql,
  };
}

function baseOf(connection: CorePoolConnection, kind: CallKind): (...args: unknown[]) => unknown {
  const proto = Object.getPrototypeOf(connection) as CorePoolConnection;
  return kind === 'query' ? proto.query : proto.execute;
}

/** mysql2's own query/execute with `head` and the callback, keeping the caller's arity (no array built). */
function invokeBase(
  connection: CorePoolConnection,
  kind: CallKind,
  head: readonly unknown[],
  callback: Mysql2Callback,
): unknown {
  const base = baseOf(connection, kind);
  if (head.length === 1) return base.call(connection, head[0], callback);
  if (head.length === 2) return base.call(connection, head[0], head[1], callback);
  return base.apply(connection, [...head, callback]);
}

/** The connection sits in its pool's free list (not handed out, not on its way to a waiting caller). */
function isFree(connection: CorePoolConnection): boolean {
  const free = connection._pool?._freeConnections;
  if (free === undefined) return false;
  for (let index = 0; index < free.length; index++) if (free.get(index) === connection) return true;
  return false;
}

/** An acquire sends no statement: its failures are connect failures (sent 'no'), retried for any statement. */
const ACQUIRE_STATEMENT = Object.freeze({ safety: 'write' as const });

/** Where the pool's connections go (host:port or the socket path): never more, so never a credential. */
function targetOf(core: CorePool): string | undefined {
  const config = core.config.connectionConfig;
  if (config === undefined) return undefined;
  if (typeof config.socketPath === 'string' && config.socketPath !== '') return config.socketPath;
  return `${config.host ?? 'localhost'}:${config.port ?? 3306}`;
}

/** A connection made for a caller that stopped waiting (its outage budget ran out): the pool keeps it. */
function releaseLate(connection: CorePoolConnection): void {
  connection.release();
}

/**
 * Everything one wrapped pool owns: the policy, its event hub, the retry engine, the single-flight
 * reconnect gate and what is known about each of its connections.
 */
export class Mysql2PoolInstance {
  readonly states = new WeakMap<CorePoolConnection, PooledConnectionState>();
  /**
   * Connections inside a transaction their holder opened (BEGIN / START TRANSACTION, or a SET
   * TRANSACTION for the next one, seen; no COMMIT/ROLLBACK yet).
   */
  readonly #transacting = new WeakSet<CorePoolConnection>();
  /**
   * Sessions that carry state their holder set (sessionStateEffect: SET, USE, GET_LOCK, a temporary
   * table…): a statement that loses one is never run on another session. For the session's life, not
   * one hold: the next holder may rely on it too (Kysely's onCreateConnection runs once per connection).
   */
  readonly #pinned = new WeakSet<CorePoolConnection>();
  /** Held connections whose lost session was replaced: the application still holds the first object. */
  readonly #leases = new WeakMap<CorePoolConnection, HeldConnectionLease<CorePoolConnection>>();
  readonly #leasePool: LeasePool<CorePoolConnection> = {
    // The replacement's own release (patched below): it is marked used and watched by the reaper.
    giveBack: (connection) => connection.release(),
    // mysql2's own destroy: a held connection's patched one would reach its lease.
    discard: (connection) => destroyConnection(connection),
  };
  /** Connections whose server limits are being read: their calls wait for it. */
  readonly #pending = new WeakMap<CorePoolConnection, Promise<unknown>>();
  readonly hub: EventHub;
  readonly retry: RetryEngine;
  readonly gate: ReconnectGate;
  /** The check before a connection is handed out (core's, shared with the knex plugin). */
  readonly validator: ConnectionValidator;
  /** Closes a free connection when it reaches its derived idle or lifetime limit, before the server does (core's). */
  readonly #reaper = new IdleReaper<CorePoolConnection>((connection) => this.#retire(connection));
  #limitsReported = false;

  /**
   * `pool`: the core pool this instance wraps, whose held connections may be replaced; none for a
   * lone connection (createConnection), which nothing can replace.
   */
  constructor(
    readonly policy: Policy,
    readonly pool?: CorePool,
  ) {
    const runtime = createPoolRuntime(policy);
    this.hub = runtime.hub;
    this.retry = runtime.retry;
    this.gate = runtime.gate;
    this.validator = runtime.validator;
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
      this.#dispatch(connection, kind, call, finish, false);
    } catch (error) {
      // mysql2 throws synchronously for bad bind values (undefined, functions).
      connection.release();
      done(error);
    }
  }

  /** The happy path may be tried: the circuit is closed and an acquire now needs no new connection. */
  #fastPathOpen(core: CorePool): boolean {
    if (this.retry.circuit === 'open') return false;
    const limit = core.config.connectionLimit;
    return core._freeConnections.length > 0 || (limit !== 0 && core._allConnections.length >= limit);
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
      const state = this.states.get(connection);
      const verdict =
        state === undefined ? this.#adoptAndValidate(connection) : this.validator.validate(connection, state);
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
    return this.#validate(connection);
  }

  /**
   * One acquire: a free connection that passes validation, or a new one made through the gate, which
   * stops waiting for it at `deadline` (the call's outage budget). Waiting for a busy pool's
   * connection is not waiting out an outage: that wait is mysql2's own, unbounded here.
   */
  async acquire(core: CorePool, signal?: AbortSignal, deadline?: number): Promise<CorePoolConnection> {
    for (;;) {
      const limit = core.config.connectionLimit;
      const creates =
        core._freeConnections.length === 0 && (limit === 0 || core._allConnections.length < limit);
      const connection = creates
        ? await this.gate.connect(() => this.#create(core), {
            signal,
            deadline,
            abandon: releaseLate,
            target: targetOf(core),
          })
        : await acquireOf(core);
      if (!this.states.has(connection)) await this.adopt(connection);
      // Synchronous unless a ping is needed: the busy pool's hot path pays no extra await.
      const verdict = this.#validate(connection);
      if (verdict === true || (verdict !== false && (await verdict))) return connection;
      connection.destroy();
    }
  }

  async #create(core: CorePool): Promise<CorePoolConnection> {
    let connection: CorePoolConnection | undefined;
    const config = core.config.connectionConfig;
    // Never quoted in a message (DatabaseUnavailableError quotes the last connect error).
    this.retry.redactor.add(config?.password);
    this.retry.redactor.add(config?.password2);
    this.retry.redactor.add(config?.password3);
    try {
      connection = await acquireOf(core);
      if (!this.states.has(connection)) await this.adopt(connection);
      return connection;
    } catch (error) {
      connection?.destroy();
      // Nothing of the application's was sent on a connection that never finished connecting.
      throw markConnectPhase(error, targetOf(core));
    }
  }

  /**
   * A new connection: the guard on its query/execute at once, then the server's limits (one round
   * trip) and an error listener. Calls made before the limits are known wait for them. `connected`:
   * for a connection still shaking hands, the limits are read once it settles; a query queued behind
   * the handshake would take the handshake's error from the connection's own 'error' event, which
   * Sequelize waits for.
   */
  async adopt(connection: CorePoolConnection, connected?: Promise<void>): Promise<void> {
    this.#patch(connection);
    const proto = Object.getPrototypeOf(connection) as CorePoolConnection;
    const timeout = this.policy.connectTimeoutMs;
    let connectFailure: unknown;
    const read = () =>
      readServerLimits({
        query: (sql) =>
          new Promise((resolve, reject) => {
            proto.query.call(connection, { sql, timeout }, [], (error: unknown, rows: unknown) => {
              if (error) reject(markConnectPhase(error));
              else resolve(rows as ReadonlyArray<Record<string, unknown>>);
            });
          }),
      });
    const reading =
      connected === undefined
        ? read()
        : connected.then(read, (error: unknown) => {
            connectFailure = error;
            throw error;
          });
    // Settles with the connect error when the handshake failed: the calls that waited get it, as
    // mysql2 answers the commands queued behind a failed handshake.
    const pending = reading.then(
      () => undefined,
      () => connectFailure,
    );
    this.#pending.set(connection, pending);
    let serverLimits: Awaited<typeof reading>;
    try {
      serverLimits = await reading;
    } finally {
      this.#pending.delete(connection);
    }
    const derived = deriveConnectionLimits(serverLimits, this.policy);
    const state = new PooledConnectionState(serverLimits.connectionId, serverLimits, derived.limits);
    this.states.set(connection, state);
    if (!this.#limitsReported) {
      this.#limitsReported = true;
      this.hub.emit({ type: 'limits-discovered', limits: serverLimits, derived: derived.limits });
    }
    connection.on('error', (error) => {
      this.#reaper.busy(connection);
      // A connection goneaway retired itself says nothing about the others.
      if (state.retired) return;
      const classification = classify(error);
      state.unusable ??= classification;
      this.validator.suspectOthers();
      reportEviction(this.hub, state, 'error', classification);
    });
  }

  /**
   * Own properties on the connection object itself: a holder (Drizzle, Kysely, a promise wrapper)
   * keeps the very object it was handed, and mysql2's beginTransaction/commit call this.query.
   */
  #patch(connection: CorePoolConnection): void {
    const proto = Object.getPrototypeOf(connection) as Partial<CorePoolConnection>;
    const release = proto.release;
    Object.assign(connection, {
      query: (...args: unknown[]) => this.#callHeld(connection, 'query', args),
      execute: (...args: unknown[]) => this.#callHeld(connection, 'execute', args),
    });
    if (typeof proto.changeUser === 'function') {
      const changeUser = proto.changeUser;
      connection.changeUser = (...args: unknown[]) => {
        const target = this.#leases.get(connection)?.current ?? connection;
        this.#pinned.add(target);
        return changeUser.apply(target, args);
      };
    }
    if (typeof release !== 'function') return;
    connection.destroy = () => {
      const lease = this.#leases.get(connection);
      if (lease !== undefined) {
        this.#leases.delete(connection);
        lease.destroy();
      }
      destroyConnection(connection);
    };
    connection.release = () => {
      const lease = this.#leases.get(connection);
      if (lease !== undefined) {
        // Replaced while held: the replacement goes back; this one already left the pool.
        this.#leases.delete(connection);
        lease.release();
        return;
      }
      const state = this.states.get(connection);
      this.#transacting.delete(connection);
      release.call(connection);
      if (state === undefined) return;
      state.markUsed();
      // Its deadline moves with every release; a hand-out does not tell the reaper (nothing on the hot
      // path): #retire checks that the connection is still free when the deadline comes.
      if (!state.unusable && connection._pool) {
        const deadline = Math.min(
          state.lastUsedAt + state.limits.idleLimitMs,
          state.createdAt + state.limits.maxLifetimeMs,
        );
        this.#reaper.idle(connection, deadline);
      }
    };
  }

  /**
   * A free connection reached its idle or lifetime limit: it leaves the pool and says goodbye
   * (COM_QUIT) before the server's wait_timeout closes it, as the knex plugin's connections do.
   */
  #retire(connection: CorePoolConnection): void {
    const state = this.states.get(connection);
    if (state === undefined || state.unusable || state.retired || !isFree(connection)) return;
    state.retired = state.ageMs() >= state.limits.maxLifetimeMs ? 'lifetime' : 'idle-limit';
    reportEviction(this.hub, state, state.retired);
    const end = (Object.getPrototypeOf(Object.getPrototypeOf(connection)) as { end?: unknown } | null)?.end;
    if (typeof connection._removeFromPool !== 'function' || typeof end !== 'function') {
      connection.destroy();
      return;
    }
    // What mysql2's PoolConnection.end() does with gracefulEnd (lib/pool_connection.js).
    connection._removeFromPool();
    end.call(connection, () => {
      // A connection that cannot say goodbye is gone anyway.
    });
  }

  #validate(connection: CorePoolConnection): boolean | Promise<boolean> {
    const state = this.states.get(connection);
    return state === undefined ? true : this.validator.validate(connection, state);
  }

  /** The connection can not be used again: destroy rather than release it. */
  isDead(connection: CorePoolConnection): boolean {
    // mysql2 sets _fatalError to null, not undefined, while the connection is fine.
    return (
      this.states.get(connection)?.unusable !== undefined ||
      Boolean(connection._fatalError) ||
      connection.stream.destroyed === true
    );
  }

  /**
   * query/execute on a connection the application holds (from getConnection, or createConnection):
   * through the packet guard, transaction and session tracking, its failures typed. A statement that
   * lost a pooled connection outside a transaction, whose session carries no state the holder set,
   * runs again on a fresh connection when the policy allows it (a read; a write only when nothing
   * reached the server), which the holder keeps from then on.
   */
  #callHeld(handle: CorePoolConnection, kind: CallKind, args: unknown[]): unknown {
    const connection = this.#leases.get(handle)?.current ?? handle;
    const parsed = parseCall(args);
    const callback = parsed.callback;
    // Event and stream mode (no callback) and mysql2's own command objects pass through untouched.
    if (callback === undefined || parsed.command) return baseOf(connection, kind).apply(connection, args);
    if (this.pool === undefined) return this.#dispatch(connection, kind, parsed, callback, true);
    return this.#dispatch(
      connection,
      kind,
      parsed,
      (error, rows, fields) => {
        if (error && isConnectionLost(error) && !this.#pinned.has(connection)) {
          this.#runAgainHeld(handle, connection, kind, parsed, callback, error);
        } else {
          callback(error, rows, fields);
        }
      },
      true,
    );
  }

  /**
   * The retry engine decides from the driver's error whether the statement may run again; each
   * attempt takes a fresh connection for the holder (HeldConnectionLease). An attempt that loses its
   * connection again, or the engine's refusal, answers with the adapter's typed error.
   */
  #runAgainHeld(
    handle: CorePoolConnection,
    failed: CorePoolConnection,
    kind: CallKind,
    parsed: Mysql2Call,
    callback: Mysql2Callback,
    firstLoss: ConnectionLostError,
  ): void {
    const pool = this.pool as CorePool;
    let previous = failed;
    let lastLoss = firstLoss;
    this.retry
      .execute(
        async (context) => {
          let lease = this.#leases.get(handle);
          if (lease === undefined) {
            lease = new HeldConnectionLease(handle, this.#leasePool);
            this.#leases.set(handle, lease);
          }
          const fresh = await lease.replace(previous, () =>
            this.acquire(pool, context.signal, context.deadline),
          );
          previous = fresh;
          return new Promise<[unknown, unknown]>((resolve, reject) => {
            this.#dispatch(
              fresh,
              kind,
              parsed,
              (error, rows, fields) => {
                if (!error) return resolve([rows, fields]);
                if (!isConnectionLost(error) || this.#pinned.has(fresh)) return reject(error);
                lastLoss = error;
                reject(error.cause);
              },
              true,
            );
          });
        },
        {
          statement: statementOf(parsed.sql),
          firstFailure: { error: firstLoss.cause },
          gatedConnects: true,
        },
      )
      .then(
        ([rows, fields]) => process.nextTick(callback, null, rows, fields),
        (error: unknown) => {
          // Not run again (a write that may have run), or lost again: the adapter's own typed error.
          const lost =
            error === lastLoss.cause || (isConnectionLost(error) && error.cause === lastLoss.cause);
          process.nextTick(callback, lost ? lastLoss : error);
        },
      );
  }

  #dispatch(
    connection: CorePoolConnection,
    kind: CallKind,
    parsed: Mysql2Call,
    callback: Mysql2Callback,
    held: boolean,
  ): unknown {
    const state = this.states.get(connection);
    if (state === undefined) {
      const pending = this.#pending.get(connection);
      // Not set up (its limits could not be read): mysql2 reports why on its own.
      if (pending === undefined) return invokeBase(connection, kind, parsed.head, callback);
      // A block body: #dispatch returns mysql2's command object, a thenable whose then() throws, and
      // a then-callback that returned it would make the promise machinery call it (an unhandled rejection).
      pending.then((connectFailure) => {
        if (connectFailure !== undefined) callback(connectFailure);
        else this.#dispatch(connection, kind, parsed, callback, held);
      });
      return standInCommand();
    }

    const sql = parsed.sql ?? '';
    let transacting = this.#transacting.has(connection);
    if (state.transactionLost && (transacting || transactionBoundary(sql) === 'rollback')) {
      // The transaction is already gone: do not touch the dead connection again. A ROLLBACK after its
      // lost COMMIT (TypeORM sends one) has nothing to undo on any other session either: never run again.
      process.nextTick(callback, state.transactionLost);
      return standInCommand();
    }
    const rejection = this.policy.packetGuard
      ? this.#guardPacket(connection, kind, parsed, state)
      : undefined;
    if (rejection !== undefined) {
      process.nextTick(callback, rejection);
      return standInCommand();
    }
    if (held) {
      const effect = sessionStateEffect(sql);
      // Pinning only matters where a lost session could be replaced (a pool's held connection).
      if (effect === 'session') {
        if (this.pool !== undefined) this.#pinned.add(connection);
      } else if (effect === 'next-transaction') {
        // A loss before the transaction it shapes even began still loses that transaction's settings.
        transacting = true;
        this.#transacting.add(connection);
      }
    }
    const boundary = transactionBoundary(sql);
    if (boundary === 'begin') {
      transacting = true;
      this.#transacting.add(connection);
    } else if (boundary !== undefined) {
      this.#transacting.delete(connection);
    }
    // A pooled connection's last use is marked when it is released: nothing validates it before then.
    let command: { queryTimeout?: unknown } | undefined;
    let answered = false;
    const done: Mysql2Callback = (error, rows, fields) => {
      // mysql2 answers a command whose connection died, then its `timeout` timer (never cleared on that
      // path, lib/base/connection.js _notifyError) answers it again with PROTOCOL_SEQUENCE_TIMEOUT:
      // every caller above is answered once, and the stale timer goes.
      if (answered) return;
      answered = true;
      const timer = command?.queryTimeout;
      if (timer) clearTimeout(timer as NodeJS.Timeout);
      // A pooled connection's last use is its release; a lone one has none (a host library's own pool
      // validates it by this): the server's idle clock restarts when a command is answered.
      if (this.pool === undefined) state.markUsed();
      if (error) callback(this.#onError(connection, state, sql, transacting, held, error));
      else callback(null, rows, fields);
    };
    command = invokeBase(connection, kind, this.#withTimeout(parsed.head), done) as typeof command;
    return command;
  }

  /** The policy's statement timeout, unless the call sets its own (mysql2's `timeout` option). */
  #withTimeout(head: readonly unknown[]): readonly unknown[] {
    const timeout = this.policy.statementTimeoutMs;
    if (timeout === false) return head;
    const [first, ...rest] = head;
    if (typeof first === 'string') return [{ sql: first, timeout }, ...rest];
    const options = first as { timeout?: unknown } | null;
    if (typeof options !== 'object' || options === null || options.timeout !== undefined) return head;
    return [{ ...options, timeout }, ...rest];
  }

  #onError(
    connection: CorePoolConnection,
    state: PooledConnectionState,
    sql: string,
    transacting: boolean,
    held: boolean,
    error: unknown,
  ): unknown {
    const classification = classify(error);
    this.validator.recordFailure(connection, state, classification);
    if (!held || !connectionIsGone(classification)) return error;
    if (!transacting) {
      // A statement over its own time limit (mysql2's `timeout`, e.g. TypeORM's enableQueryTimeout) keeps
      // the driver's error: the application's limit answered, not a lost connection (the connection
      // is still dropped, its statement may run on). Inside a transaction that drop loses the
      // transaction, so the typed error below is the truth there.
      if (classification.kind === 'statement-timeout') return error;
      return new ConnectionLostError({ cause: error, classification, statement: sql });
    }
    const lost = transactionLossError(sql, classification, error);
    state.transactionLost = lost;
    return lost;
  }

  /** The exact size is computed only when a cheap ceiling says the packet might not fit. */
  #guardPacket(
    connection: CorePoolConnection,
    kind: CallKind,
    call: Mysql2Call,
    state: PooledConnectionState,
  ): unknown {
    if (call.sql === undefined || call.unmeasured) return undefined;
    const max = state.serverLimits.maxAllowedPacket;
    let bytes: number | undefined;
    if (kind === 'execute') {
      bytes = executePacketBytes(call.values);
    } else {
      if (commandPacketBytes(queryBytesCeiling(call.sql, call.values)) < max) return undefined;
      bytes = commandPacketBytes(
        formattedQueryBytes(call.sql, call.values, (sql, values) => connection.format(sql, values)),
      );
    }
    if (bytes === undefined || bytes < max) return undefined;
    try {
      assertPacketFits(bytes, state.serverLimits, call.sql);
      return undefined;
    } catch (error) {
      this.hub.emit({
        type: 'packet-rejected',
        packetBytes: bytes,
        maxAllowedPacket: max,
        statement: describeSql(call.sql),
      });
      return error;
    }
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
    this.#reaper.close();
    this.retry.destroy();
    this.gate.destroy();
  }
}

/**
 * What query()/execute() return when goneaway answers the callback itself (a packet refused, a
 * transaction already lost) or sends the statement later (the limits still being read). mysql2
 * returns its command, an EventEmitter, and callers chain on it (Sequelize calls
 * `.setMaxListeners(100)` on it); this one emits nothing: the callback gets the answer.
 */
function standInCommand(): EventEmitter {
  return new EventEmitter();
}

/** mysql2's own destroy (lib/pool_connection.js: out of the pool, socket closed), past the patched one. */
function destroyConnection(connection: CorePoolConnection): void {
  (Object.getPrototypeOf(connection) as CorePoolConnection).destroy.call(connection);
}
