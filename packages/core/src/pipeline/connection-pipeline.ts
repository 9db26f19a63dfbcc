import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { markConnectPhase } from '../classification/connect-phase.js';
import { hostKey } from '../cluster/cluster-options.js';
import type { ClusterRouting } from '../cluster/cluster-routing.js';
import { ClusterUnavailableError } from '../cluster/cluster-unavailable-error.js';
import { movedOffWriterError } from '../cluster/writer-routing.js';
import { ConnectionValidator } from '../connections/connection-validator.js';
import { IdleReaper } from '../connections/idle-reaper.js';
import { PooledConnectionState } from '../connections/pooled-connection-state.js';
import { systemTimerClock, type TimerClock } from '../connections/timer-clock.js';
import type { ConnectionDriver } from '../driver/connection-driver.js';
import type { AcquireContext, PoolDriver } from '../driver/pool-driver.js';
import { ConnectionLostError } from '../errors/connection-lost-error.js';
import { GoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { TransactionLostError } from '../errors/transaction-lost-error.js';
import { createEventHub, type EventHub } from '../events/event-hub.js';
import type { EvictionReason } from '../events/event-types.js';
import { type PoolStats, poolStats } from '../events/pool-stats.js';
import { reportEviction } from '../events/report-eviction.js';
import { deriveConnectionLimits } from '../limits/derive-connection-limits.js';
import { readServerLimits } from '../limits/read-server-limits.js';
import { assertPacketFits } from '../packet/assert-packet-fits.js';
import type { Policy } from '../policy/options.js';
import { describeSql } from '../redaction/describe-sql.js';
import { ReconnectGate } from '../retry/reconnect-gate.js';
import { createRetryEngine, type RetryEngine } from '../retry/retry-engine.js';
import { sessionStateEffect } from '../statements/session-state-effect.js';
import { transactionBoundary } from '../statements/transaction-boundary.js';
import { LimitsReporter } from './limits-reporter.js';
import { typeStatementFailure } from './statement-failure.js';

/**
 * Everything goneaway does to the connections of one pool, the same for every library: each new
 * connection adopted (its server limits read, derived and reported, its idle errors listened to),
 * checked before every hand-out (ConnectionValidator), retired shortly before the server's idle limit
 * (IdleReaper), its statements guarded (a lost transaction, a packet over max_allowed_packet), its
 * transaction boundaries and session state tracked, its failures recorded and typed; new connections
 * made through the single-flight reconnect gate; the retry engine and its circuit breaker; one event
 * hub. An adapter translates its library's connection and pool to the driver contract
 * (ConnectionDriver, PoolDriver) and calls these methods where its library hands out, runs, releases
 * and destroys connections; nothing else.
 *
 * One pipeline per pool (per knex instance, mysql2 pool, TypeORM data source, Prisma client,
 * Sequelize instance): no second engine or hub beside it.
 */
export class ConnectionPipeline<C extends object, S = never> {
  readonly hub: EventHub;
  /** The check before a connection is handed out. */
  readonly validator: ConnectionValidator<C>;
  readonly #states = new WeakMap<object, PooledConnectionState>();
  /** Connections whose server limits are being read: a second adopt of one shares the first. */
  readonly #adopting = new WeakMap<object, Promise<PooledConnectionState>>();
  readonly #limits: LimitsReporter;
  // Replaced when a closed pipeline reopens (knex.initialize() after knex.destroy()).
  #retry: RetryEngine;
  #gate: ReconnectGate;
  #reaper: IdleReaper<C>;
  #closed = false;
  /** Connects counted by gates before a reopen, so the counters never go back. */
  #earlierConnects = { attempts: 0, sharedWaits: 0 };
  /** Where connections go when the `cluster` option is set: the cluster's writer, or its readers (`role`). */
  #routing: ClusterRouting | undefined;
  #unsubscribeRouting: (() => void) | undefined;
  /** With routing: the live connections to each host (`host:port`), to cut when that writer is lost. */
  readonly #byHost = new Map<string, Set<C>>();

  constructor(
    readonly policy: Policy,
    readonly driver: ConnectionDriver<C, S>,
    clock: TimerClock = systemTimerClock,
  ) {
    this.hub = createEventHub(policy.name);
    this.#limits = new LimitsReporter(this.hub);
    this.#retry = this.#newRetryEngine();
    this.#gate = new ReconnectGate(policy);
    this.#reaper = new IdleReaper<C>((connection) => this.#retire(connection));
    this.validator = new ConnectionValidator<C>(
      policy,
      (state, reason, classification) => reportEviction(this.hub, state, reason, classification),
      driver,
      clock,
    );
  }

  get retry(): RetryEngine {
    return this.#retry;
  }

  /** The cluster routing this pool follows, if any. */
  get routing(): ClusterRouting | undefined {
    return this.#routing;
  }

  /**
   * For the commit marker (`MarkerConnection.server`): `host:port` of the writer a writer pool's
   * statements go to now (`'none'` while there is none); undefined without a cluster or for a reader pool.
   */
  routedServer(): string | undefined {
    const routing = this.#routing;
    if (routing === undefined || routing.role !== 'writer') return undefined;
    return routing.monitor.electedWriterKey() ?? 'none';
  }

  /**
   * Routes the pool to a cluster's writer (WriterRouting) or readers (ReaderRouting): each connection
   * remembers its host (`driver.hostOf`), and one whose host is no longer where the routing sends
   * connections is swept (at hand-out, `writer-changed` / `left-rotation`; a held one at its next
   * statement: a transaction is lost, anything else was not sent and runs again elsewhere). Replaces
   * the previous routing, which is closed. A routing whose role is not the policy's `role` is refused
   * (GoneAwayConfigError naming `role`): an adapter that routes only to the writer cannot ignore
   * `role: 'reader'`.
   */
  route(routing: ClusterRouting | undefined): void {
    if (this.#routing === routing) return;
    if (routing !== undefined && routing.role !== this.policy.role) {
      routing.close();
      throw new GoneAwayConfigError({
        issues: [
          {
            path: 'role',
            expected: `'${routing.role}' (this library's adapter routes pools to the cluster's ${routing.role} only)`,
            received: `'${this.policy.role}'`,
          },
        ],
      });
    }
    this.#unsubscribeRouting?.();
    this.#unsubscribeRouting = undefined;
    this.#routing?.close();
    this.#routing = routing;
    if (routing !== undefined) {
      this.#unsubscribeRouting = routing.monitor.onHostLost((host) => this.#cutHost(host));
      routing.countConnectionsWith?.((host) => this.#liveConnectionsTo(host));
    }
  }

  #liveConnectionsTo(host: string): number {
    const connections = this.#byHost.get(host);
    if (connections === undefined) return 0;
    let live = 0;
    for (const connection of connections) if (!this.driver.isBroken(connection)) live += 1;
    return live;
  }

  /**
   * A call spent its budget while the cluster has no writer: GONEAWAY_UNAVAILABLE naming every host
   * and its state (as a connect that waited for the writer gets), not the one-server "circuit open"
   * the breaker would answer the next calls with. Undefined otherwise (no cluster, a reader pool, or a
   * writer known: the failure is not the cluster's, the breaker decides as without one).
   */
  #noWriterError(spent: { readonly attempts: number; readonly elapsedMs: number }): Error | undefined {
    const monitor = this.#routing?.monitor;
    if (monitor === undefined || this.routedServer() !== 'none') return undefined;
    return new ClusterUnavailableError({
      hosts: monitor.describeHosts(),
      elapsedMs: spent.elapsedMs,
      why: 'no-writer',
    });
  }

  /** One per open pool (a reopen starts afresh): a spent budget with no writer answers the cluster's error. */
  #newRetryEngine(): RetryEngine {
    return createRetryEngine(this.policy, this.hub, { budgetSpent: (spent) => this.#noWriterError(spent) });
  }

  /** Why a connection off the routing is evicted. */
  get #offRouteReason(): EvictionReason {
    return this.#routing?.role === 'reader' ? 'left-rotation' : 'writer-changed';
  }

  /**
   * `host` stopped answering (or left the cluster): every connection to it is cut now,
   * idle or with a statement in flight, so nothing waits on a host that may never answer (a blackhole
   * keeps sockets open and silent). A read in flight runs again on the new writer; a write in flight
   * is `GONEAWAY_CONNECTION_LOST`; a transaction is lost.
   */
  #cutHost(host: string): void {
    const connections = this.#byHost.get(host);
    if (connections === undefined) return;
    this.#byHost.delete(host);
    for (const connection of connections) {
      const state = this.stateOf(connection);
      if (state !== undefined) this.evict(state, this.#offRouteReason);
      this.driver.destroy(connection);
    }
  }

  #trackHost(connection: C, host: string): void {
    let connections = this.#byHost.get(host);
    if (connections === undefined) {
      connections = new Set();
      this.#byHost.set(host, connections);
    }
    // Connections the library dropped without telling (a pool that destroys a dead one itself) go here.
    for (const known of connections) if (this.driver.isBroken(known)) connections.delete(known);
    connections.add(connection);
  }

  get gate(): ReconnectGate {
    return this.#gate;
  }

  /** True once close() ran, until reopen(). */
  get closed(): boolean {
    return this.#closed;
  }

  /** What is known of a connection; undefined until it was adopted (or when its limits could not be read). */
  stateOf(connection: C): PooledConnectionState | undefined {
    return this.#states.get(this.#keyOf(connection));
  }

  /** The adoption under way for a connection, if any. */
  adopting(connection: C): Promise<PooledConnectionState> | undefined {
    return this.#adopting.get(this.#keyOf(connection));
  }

  /**
   * A new connection: keepalive, its server's limits (one round trip, bounded by the connect timeout),
   * the limits derived and reported, its idle errors listened to, and the reaper told. `connected`: for
   * a connection still shaking hands, the limits are read once it settles (its rejection rejects this).
   * A failure to read them is part of connecting: it is marked so (nothing of the application's was
   * sent) and the connection is left to the caller. Adopting a connection twice shares the first.
   */
  adopt(connection: C, connected?: Promise<void>): Promise<PooledConnectionState> {
    const key = this.#keyOf(connection);
    const known = this.#states.get(key);
    if (known !== undefined) return Promise.resolve(known);
    let adopting = this.#adopting.get(key);
    if (adopting === undefined) {
      const adoption =
        connected === undefined
          ? this.#adopt(connection, key)
          : connected.then(() => this.#adopt(connection, key));
      adopting = adoption.finally(() => this.#adopting.delete(key));
      this.#adopting.set(key, adopting);
    }
    return adopting;
  }

  async #adopt(connection: C, key: object): Promise<PooledConnectionState> {
    const { policy, driver } = this;
    if (policy.keepAliveInitialDelayMs !== false)
      driver.setKeepAlive?.(connection, policy.keepAliveInitialDelayMs);
    const serverLimits = await readServerLimits({
      query: (sql) => driver.query(connection, sql, policy.connectTimeoutMs),
    }).catch((error: unknown) => {
      throw markConnectPhase(error);
    });
    const derived = deriveConnectionLimits(serverLimits, policy);
    const state = new PooledConnectionState(serverLimits.connectionId, serverLimits, derived.limits);
    const routing = this.#routing;
    if (routing !== undefined) {
      for (const sql of routing.sessionStatements) {
        await driver.query(connection, sql, policy.connectTimeoutMs).catch((error: unknown) => {
          throw markConnectPhase(error);
        });
      }
      state.host = driver.hostOf?.(connection);
      if (state.host !== undefined) this.#trackHost(connection, state.host);
      const caughtUp = routing.catchUp?.(state, (sql, timeoutMs) => driver.query(connection, sql, timeoutMs));
      if (caughtUp !== undefined && !(await caughtUp.catch(() => false))) {
        // A replica behind this process's writes: part of connecting (nothing of the application's was
        // sent), so the call runs again on the host the routing chooses now (the writer).
        throw markConnectPhase(routing.movedOffError(state.host ?? 'the server'));
      }
    }
    this.#states.set(key, state);
    this.#limits.report(serverLimits, derived);
    // A pool may finish creating a connection after the acquire that asked for it was served by
    // another (tarn does): it then sits idle without ever having been released, so it is watched now.
    this.#watchIdle(connection, state);
    driver.onError?.(connection, (error) => {
      this.#reaper.busy(connection);
      // A connection goneaway retired itself says nothing about the others.
      if (state.retired) return;
      const classification = classify(error);
      state.unusable ??= classification;
      this.validator.suspectOthers();
      this.evict(state, 'error', classification);
    });
    return state;
  }

  /**
   * The check before a connection is handed out: a plain boolean unless a ping is due, so the busy
   * pool's hot path adds no promise. A connection not adopted (its limits could not be read) passes
   * unless the driver knows it is broken.
   */
  validate(connection: C): boolean | Promise<boolean> {
    this.#reaper.busy(connection);
    const state = this.stateOf(connection);
    if (state === undefined) return !this.driver.isBroken(connection);
    if (state.retired) {
      this.evict(state, state.retired);
      return false;
    }
    if (this.#offWriter(state)) {
      this.evict(state, this.#offRouteReason);
      return false;
    }
    const caughtUp = this.#routing?.catchUp?.(state, (sql, timeoutMs) =>
      this.driver.query(connection, sql, timeoutMs),
    );
    if (caughtUp === undefined) return this.validator.validate(connection, state);
    return caughtUp.then(
      (ready) => {
        if (ready) return this.validator.validate(connection, state);
        state.unusable ??= classify(this.#routing?.movedOffError(state.host ?? 'the server'));
        this.evict(state, this.#offRouteReason);
        return false;
      },
      () => false,
    );
  }

  /**
   * One acquire from `pool`: a connection it has, or a new one made through the single-flight gate
   * (its wait ends at the call's deadline; one made after that goes back to the pool), adopted once,
   * that passes validation; a connection that fails it is destroyed and the next is tried. Waiting for
   * a busy pool's connection is not waiting out an outage: that wait is the library's own.
   */
  async acquire(pool: PoolDriver<C>, context: AcquireContext): Promise<C> {
    for (;;) {
      const connection = pool.wouldConnect(context)
        ? await this.#gate.connect(() => this.#create(pool, context), {
            signal: context.signal,
            deadline: context.deadline,
            abandon: (late: C) => pool.release(late),
            target: pool.target?.(),
          })
        : await pool.acquire(context);
      if (this.stateOf(connection) === undefined) await this.adopt(connection);
      const verdict = this.validate(connection);
      if (verdict === true || (verdict !== false && (await verdict))) return connection;
      pool.destroy(connection);
    }
  }

  async #create(pool: PoolDriver<C>, context: AcquireContext): Promise<C> {
    let connection: C | undefined;
    try {
      connection = await pool.create(context);
      if (this.stateOf(connection) === undefined) await this.adopt(connection);
      return connection;
    } catch (error) {
      if (connection !== undefined) pool.destroy(connection);
      // Nothing of the application's was sent on a connection that never finished connecting.
      throw markConnectPhase(error, pool.target?.());
    }
  }

  /**
   * Before a statement is sent on `connection`: the error to answer with instead (its transaction is
   * already lost, or its packet would exceed max_allowed_packet, reported as `packet-rejected`), or
   * undefined; then its transaction boundaries and, for a held connection, its session state are
   * tracked (`state.statementInTransaction` says whether this statement runs inside a transaction,
   * `state.inTransaction` whether the connection is still in one after it, `state.pinned` whether its
   * session carries state its holder set).
   */
  beforeStatement(
    connection: C,
    state: PooledConnectionState,
    sql: string,
    statement: S | undefined,
    held: boolean,
  ): unknown {
    if (
      state.transactionLost !== undefined &&
      (state.inTransaction || transactionBoundary(sql) === 'rollback')
    ) {
      // The transaction is already gone: never touch the dead connection again. A ROLLBACK after its
      // lost COMMIT (TypeORM sends one) has nothing to undo on any other session either.
      return state.transactionLost;
    }
    if (this.#offWriter(state)) return this.#refuseMovedOff(state, sql, state.inTransaction, held);
    if (statement !== undefined && this.policy.packetGuard) {
      const refusal = this.refusePacket(connection, state, sql, statement);
      if (refusal !== undefined) return refusal;
    }
    if (held) {
      const effect = sessionStateEffect(sql);
      if (effect === 'session') state.pinned = true;
      // A loss before the transaction it shapes even began still loses that transaction's settings.
      else if (effect === 'next-transaction') state.inTransaction = true;
    }
    const boundary = transactionBoundary(sql);
    if (boundary === 'begin') state.inTransaction = true;
    // The COMMIT or ROLLBACK itself still runs inside the transaction it ends.
    state.statementInTransaction = state.inTransaction;
    if (boundary !== undefined && boundary !== 'begin') state.inTransaction = false;
    return undefined;
  }

  /**
   * The packet guard alone (for an adapter whose host library tracks transactions itself): the
   * PacketTooLargeError to answer with, reported as `packet-rejected`, or undefined. The exact size
   * is the driver's to compute, only when a cheap ceiling says the packet might not fit.
   */
  refusePacket(connection: C, state: PooledConnectionState, sql: string, statement: S): unknown {
    const max = state.serverLimits.maxAllowedPacket;
    const bytes = this.driver.packetBytes?.(connection, statement, max);
    if (bytes === undefined || bytes < max) return undefined;
    try {
      assertPacketFits(bytes, state.serverLimits, sql);
      return undefined;
    } catch (error) {
      this.hub.emit({
        type: 'packet-rejected',
        packetBytes: bytes,
        maxAllowedPacket: max,
        statement: describeSql(sql),
      });
      return error;
    }
  }

  /**
   * A statement on `connection` failed: the failure is recorded (the connection marked unusable, its
   * eviction reported, the others suspected when it is gone) and the error to answer with returned
   * (typeStatementFailure). `transacting`: whether it ran inside a transaction.
   */
  statementFailed(
    connection: C,
    state: PooledConnectionState | undefined,
    sql: string,
    transacting: boolean,
    held: boolean,
    error: unknown,
  ): unknown {
    const classification = classify(error);
    this.validator.recordFailure(connection, state, classification);
    const routing = this.#routing;
    if (routing !== undefined) {
      routing.failed(state?.host, classification);
      // With a cluster, a write refused as read-only never ran and the host is no longer the writer
      // (a switchover): the connection goes, and the statement runs again on the new writer. Not for
      // a reader pool: a write sent to a replica is refused, typed as without a cluster.
      if (classification.kind === 'read-only' && state !== undefined && routing.role === 'writer') {
        state.unusable ??= classification;
        this.evict(state, 'read-only', classification);
        return this.#refuseMovedOff(state, sql, transacting, held, error);
      }
    }
    return typeStatementFailure(state, sql, transacting, held, classification, error);
  }

  /**
   * A statement succeeded (`result`: what the driver answered): a writer pool with replication
   * read-your-writes records the GTID its commit reported, for the reader pools of the cluster.
   */
  statementSucceeded(result: unknown): void {
    this.#routing?.succeeded?.(result);
  }

  /** The connection went back to its pool: its last use is now, and it is retired if it stays idle too long. */
  released(connection: C): void {
    const state = this.stateOf(connection);
    if (state === undefined) return;
    state.inTransaction = false;
    state.markUsed();
    this.#watchIdle(connection, state);
  }

  /** The connection left its pool for good. */
  destroyed(connection: C): void {
    this.#reaper.busy(connection);
    const host = this.stateOf(connection)?.host;
    if (host !== undefined) this.#byHost.get(host)?.delete(connection);
  }

  /** The connection can not be used again: destroy rather than release it. */
  isDead(connection: C): boolean {
    return this.stateOf(connection)?.unusable !== undefined || this.driver.isBroken(connection);
  }

  evict(state: PooledConnectionState, reason: EvictionReason, classification?: Classification): void {
    reportEviction(this.hub, state, reason, classification);
  }

  stats(): PoolStats {
    const current = poolStats({ hub: this.hub, gate: this.#gate, validator: this.validator });
    const stats: PoolStats = {
      ...current,
      connectAttempts: current.connectAttempts + this.#earlierConnects.attempts,
      sharedConnectWaits: current.sharedConnectWaits + this.#earlierConnects.sharedWaits,
    };
    const routing = this.#routing;
    if (routing === undefined) return stats;
    const { monitor } = routing;
    const writer = monitor.currentWriter();
    return {
      ...stats,
      cluster: {
        role: routing.role,
        targets: routing.targets(),
        writer: writer === undefined ? undefined : hostKey(writer),
        hosts: monitor.hosts().map((host) => ({
          host: host.key,
          state: host.state,
          reason: host.reason,
          writer: host.writer,
          failedProbes: host.failures,
        })),
      },
    };
  }

  /** The pool is closing: calls still waiting out an outage end now, timers stop, the cluster routing lets go. */
  close(): void {
    this.#closed = true;
    this.route(undefined);
    this.#byHost.clear();
    this.#reaper.close();
    this.#retry.destroy();
    this.#gate.destroy();
  }

  /** A closed pool opens again (knex.initialize() after knex.destroy()): a new engine, gate and reaper; events and counters go on. */
  reopen(): void {
    if (!this.#closed) return;
    const gate = this.#gate.stats();
    this.#earlierConnects = {
      attempts: this.#earlierConnects.attempts + gate.attempts,
      sharedWaits: this.#earlierConnects.sharedWaits + gate.sharedWaits,
    };
    this.#retry = this.#newRetryEngine();
    this.#gate = new ReconnectGate(this.policy);
    this.#reaper = new IdleReaper<C>((connection) => this.#retire(connection));
    this.#closed = false;
  }

  /** The connection goes to a host the routing no longer sends connections to (only with the `cluster` option). */
  #offWriter(state: PooledConnectionState): boolean {
    return this.#routing !== undefined && state.host !== undefined && !this.#routing.isCurrent(state.host);
  }

  /**
   * For an adapter whose host library tracks transactions itself (knex): undefined while the
   * connection goes to the writer (or there is no cluster). Otherwise a statement on a connection to
   * an old writer, refused before it is sent: the connection is
   * marked unusable (evicted as `writer-changed`); inside a transaction the transaction is lost
   * (the old writer rolls it back when the connection closes), otherwise a connect-phase failure the
   * retry engine runs again on the new writer.
   */
  refuseOffWriter(state: PooledConnectionState, sql: string, transacting: boolean): unknown {
    if (!this.#offWriter(state)) return undefined;
    return this.#refuseMovedOff(state, sql, transacting, false);
  }

  /**
   * What a statement gets when its connection goes to a host that is not (or no longer) the writer
   * and nothing of it ran: the connection is marked unusable (`writer-changed`); inside a transaction
   * the transaction is lost; otherwise a connect-phase failure the retry engine runs again on the
   * new writer, which a held connection's holder gets as a ConnectionLostError saying nothing ran
   * (its adapter runs that again on a fresh connection, as the pool's own statements are). `refused`:
   * the refusal the server gave, if any (a read-only error).
   */
  #refuseMovedOff(
    state: PooledConnectionState,
    sql: string,
    transacting: boolean,
    held: boolean,
    refused?: unknown,
  ): unknown {
    const host = state.host ?? 'the server';
    const error = this.#routing?.movedOffError(host, refused) ?? movedOffWriterError(host, refused);
    const classification = classify(error);
    state.unusable ??= classification;
    this.evict(state, this.#offRouteReason, classification);
    if (!transacting) {
      return held ? new ConnectionLostError({ cause: error, classification, statement: sql }) : error;
    }
    const lost = new TransactionLostError({ cause: error, classification, statement: sql });
    state.transactionLost = lost;
    return lost;
  }

  #keyOf(connection: C): object {
    return this.driver.keyOf === undefined ? connection : this.driver.keyOf(connection);
  }

  #watchIdle(connection: C, state: PooledConnectionState): void {
    if (state.unusable || state.retired || this.driver.closePolitely === undefined) return;
    const deadline = Math.min(
      state.lastUsedAt + state.limits.idleLimitMs,
      state.createdAt + state.limits.maxLifetimeMs,
    );
    this.#reaper.idle(connection, deadline);
  }

  /**
   * An idle connection reached its idle or lifetime limit: it leaves the pool and says goodbye
   * (COM_QUIT) before the server's wait_timeout closes it (which would make every other connection
   * suspect, and knex print "Connection Error").
   */
  #retire(connection: C): void {
    const state = this.stateOf(connection);
    if (state === undefined || state.unusable || state.retired) return;
    if (this.driver.isIdle !== undefined && !this.driver.isIdle(connection)) return;
    state.retired = state.ageMs() >= state.limits.maxLifetimeMs ? 'lifetime' : 'idle-limit';
    this.evict(state, state.retired);
    this.driver.closePolitely?.(connection);
  }
}
