import {
  type Classification,
  classify,
  type EvictionReason,
  type Policy,
  type PoolStats,
} from '@goneaway/core';
import {
  type ConnectionValidator,
  createPoolRuntime,
  createRetryEngine,
  deriveConnectionLimits,
  type EventHub,
  hasKindTrait,
  IdleReaper,
  type LimitCap,
  markConnectPhase,
  PooledConnectionState,
  poolStats,
  ReconnectGate,
  type RetryEngine,
  readServerLimits,
  reportEviction,
} from '@goneaway/core/adapter';
import { ConnectsInFlight } from './connects-in-flight.js';
import { acquireWarning, disposedWarning, HandledWarnings } from './handled-warnings.js';
import type { Mysql2Connection } from './knex-internals.js';

/**
 * Everything one knex instance of a `knex(goneAway(config))` owns: the parsed policy, its event hub,
 * the retry engine, the single-flight reconnect gate and what is known about each pooled connection.
 * Made by the client's constructor (goneaway-client.ts), so every knex instance made from one config
 * has its own; its transaction clients and withUserParams clones find it through the client's logger.
 */
export class KnexPluginInstance {
  readonly states = new WeakMap<object, PooledConnectionState>();
  readonly warnings = new HandledWarnings();
  /** The pool's raw connects under way: db.destroy() ends them rather than waiting out their connect timeout. */
  readonly connects = new ConnectsInFlight();
  readonly hub: EventHub;
  /** The check before a connection is handed out (core's, shared with the other adapters). */
  readonly validator: ConnectionValidator;
  // Replaced when knex.initialize() reopens a destroyed instance: destroy() ends them for good.
  #retry: RetryEngine;
  #gate: ReconnectGate;
  #reaper: IdleReaper<Mysql2Connection>;
  #closed = false;
  /** Connects counted by gates of earlier pools (before a destroy), so the counters never go back. */
  #earlierConnects = { attempts: 0, sharedWaits: 0 };
  #lastLimitsKey: string | undefined;

  constructor(readonly policy: Policy) {
    const runtime = createPoolRuntime(policy);
    this.hub = runtime.hub;
    this.#retry = runtime.retry;
    this.#gate = runtime.gate;
    this.validator = runtime.validator;
    this.#reaper = this.#createReaper();
  }

  get retry(): RetryEngine {
    return this.#retry;
  }

  get gate(): ReconnectGate {
    return this.#gate;
  }

  get reaper(): IdleReaper<Mysql2Connection> {
    return this.#reaper;
  }

  /** True between the knex instance's destroy() and its next initialize(). */
  get closed(): boolean {
    return this.#closed;
  }

  /** db.destroy(): calls still waiting out an outage end now instead of holding the process open. */
  close(): void {
    this.#closed = true;
    this.#reaper.close();
    this.#retry.destroy();
    this.#gate.destroy();
    this.connects.abortAll();
  }

  /** db.initialize() after a destroy: a new pool gets a new engine, gate and reaper; events and counters go on. */
  reopen(): void {
    if (!this.#closed) return;
    const gate = this.#gate.stats();
    this.#earlierConnects = {
      attempts: this.#earlierConnects.attempts + gate.attempts,
      sharedWaits: this.#earlierConnects.sharedWaits + gate.sharedWaits,
    };
    this.#retry = createRetryEngine(this.policy, this.hub);
    this.#gate = new ReconnectGate(this.policy);
    this.#reaper = this.#createReaper();
    this.#closed = false;
  }

  stats(): PoolStats {
    const current = poolStats(this);
    return {
      ...current,
      connectAttempts: current.connectAttempts + this.#earlierConnects.attempts,
      sharedConnectWaits: current.sharedConnectWaits + this.#earlierConnects.sharedWaits,
    };
  }

  #createReaper(): IdleReaper<Mysql2Connection> {
    return new IdleReaper<Mysql2Connection>((connection) => this.#retire(connection));
  }

  /** afterCreate: keepalive, the server's limits (one round trip) and an error listener. */
  async onConnectionCreated(connection: Mysql2Connection): Promise<void> {
    const { policy } = this;
    if (policy.keepAliveInitialDelayMs !== false) {
      connection.stream.setKeepAlive?.(true, policy.keepAliveInitialDelayMs);
    }
    const serverLimits = await readServerLimits({
      query: (sql) => queryWithTimeout(connection, sql, policy.connectTimeoutMs),
    }).catch((error: unknown) => {
      // Still part of connecting: the application's statement has not been sent yet, and the
      // failed create is retried like a refused connect (so knex's warning about it is noise too).
      this.onConnectFailed(error);
      throw markConnectPhase(error);
    });
    const derived = deriveConnectionLimits(serverLimits, policy);
    const state = new PooledConnectionState(serverLimits.connectionId, serverLimits, derived.limits);
    this.states.set(connection, state);
    this.#reportLimits(state, derived.capped);
    // tarn may finish creating a connection after the acquire that asked for it was served by
    // another: it then sits in the pool without ever having been released, so it is watched from now.
    // (tarn validates every connection before handing it out, which takes it off the reaper's list.)
    this.#watchIdle(connection, state);

    // knex's own listener (mysql/index.js, acquireRawConnection) marks the connection disposed and
    // logs "Connection Error" when it is next acquired; this one records why and drops that line.
    connection.on('error', (error) => {
      const classification = classify(error);
      state.unusable ??= classification;
      this.warnings.expect(disposedWarning(error));
      this.validator.suspectOthers();
      this.evict(state, 'error', classification);
    });
  }

  /** pool.validate: runs only on acquire (tarn), before the user's validate. */
  validate(connection: Mysql2Connection): boolean | Promise<boolean> {
    this.reaper.busy(connection);
    const state = this.states.get(connection);
    if (state === undefined) return true;
    if (state.retired) {
      this.evict(state, state.retired);
      return false;
    }
    return this.validator.validate(connection, state);
  }

  onReleased(connection: Mysql2Connection): void {
    const state = this.states.get(connection);
    if (state === undefined) return;
    state.markUsed();
    this.#watchIdle(connection, state);
  }

  #watchIdle(connection: Mysql2Connection, state: PooledConnectionState): void {
    if (state.unusable || state.retired) return;
    const deadline = Math.min(
      state.lastUsedAt + state.limits.idleLimitMs,
      state.createdAt + state.limits.maxLifetimeMs,
    );
    this.reaper.idle(connection, deadline);
  }

  onDestroyed(connection: Mysql2Connection): void {
    this.reaper.busy(connection);
  }

  /** An idle connection reached its idle or lifetime limit: close it politely (COM_QUIT) before the server does. */
  #retire(connection: Mysql2Connection): void {
    const state = this.states.get(connection);
    if (state === undefined || state.unusable) return;
    state.retired = state.ageMs() >= state.limits.maxLifetimeMs ? 'lifetime' : 'idle-limit';
    this.evict(state, state.retired);
    connection.end(() => {
      // A connection that cannot say goodbye is gone anyway; the pool drops it on its next acquire.
    });
  }

  /** A connect failed: goneaway retries it or surfaces a typed error, so knex's warning is noise. */
  onConnectFailed(error: unknown): void {
    if (hasKindTrait(classify(error).kind, 'connect-noise')) this.warnings.expect(acquireWarning(error));
  }

  evict(state: PooledConnectionState, reason: EvictionReason, classification?: Classification): void {
    reportEviction(this.hub, state, reason, classification);
  }

  #reportLimits(state: PooledConnectionState, capped: readonly LimitCap[]): void {
    const { serverLimits } = state;
    const key = `${serverLimits.waitTimeoutSeconds}/${serverLimits.maxAllowedPacket}/${serverLimits.readOnly}/${serverLimits.version}`;
    if (key === this.#lastLimitsKey) return;
    this.#lastLimitsKey = key;
    this.hub.emit({ type: 'limits-discovered', limits: serverLimits, derived: state.limits });
    for (const cap of capped) {
      this.hub.emit({ type: 'limit-capped', ...cap, waitTimeoutSeconds: serverLimits.waitTimeoutSeconds });
    }
  }
}

function queryWithTimeout(
  connection: Mysql2Connection,
  sql: string,
  timeoutMs: number,
): Promise<ReadonlyArray<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    connection.query({ sql, timeout: timeoutMs }, [], (error, rows) => {
      if (error) reject(error);
      else resolve(rows as ReadonlyArray<Record<string, unknown>>);
    });
  });
}
