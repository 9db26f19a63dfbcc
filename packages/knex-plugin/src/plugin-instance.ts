import { type ClusterHost, classify, type Policy, type PoolStats } from '@goneaway/core';
import {
  type ClusterRouting,
  ConnectionPipeline,
  type EventHub,
  hasKindTrait,
  markConnectPhase,
  type ReconnectGate,
  type RetryEngine,
} from '@goneaway/core/adapter';
import { ConnectsInFlight } from './connects-in-flight.js';
import { copyOwnProperties } from './copy-own-properties.js';
import { acquireWarning, disposedWarning, HandledWarnings } from './handled-warnings.js';
import { knexConnectionDriver } from './knex-connection-driver.js';
import type { KnexQueryObject, Mysql2Connection } from './knex-internals.js';

/**
 * Everything one knex instance of a `knex(goneAway(config))` owns: core's pipeline over its pool's
 * connections (the policy, events, retry engine, reconnect gate, hand-out checks, idle retirement),
 * the knex warnings goneaway answers itself, and the raw connects under way. Made by the client's
 * constructor (goneaway-client.ts), so every knex instance made from one config has its own; its
 * transaction clients and withUserParams clones find it through the client's logger.
 */
export class KnexPluginInstance {
  readonly pipeline: ConnectionPipeline<Mysql2Connection, KnexQueryObject>;
  readonly warnings = new HandledWarnings();
  /** The pool's raw connects under way: db.destroy() ends them rather than waiting out their connect timeout. */
  readonly connects = new ConnectsInFlight();

  /** Makes the pool's cluster routing (the `cluster` option): again after a reopen. */
  #routing: (() => ClusterRouting) | undefined;
  /** Where the connect under way goes (the cluster's writer), read by the tracked driver's createConnection. */
  #target: ClusterHost | undefined;

  constructor(readonly policy: Policy) {
    this.pipeline = new ConnectionPipeline(policy, knexConnectionDriver);
  }

  /** Routes the pool's connections to the writer (or the readers, `role: 'reader'`) of the `cluster` option (its monitor shared process-wide). */
  routeWith(routing: () => ClusterRouting): void {
    this.#routing = routing;
    this.pipeline.route(routing());
  }

  /**
   * knex's raw connect, to the cluster's writer (or a reader) when the pool is routed: waits for one
   * within the outage budget (a failover under way), then connects there.
   */
  async connectRaw(connect: () => Promise<Mysql2Connection>): Promise<Mysql2Connection> {
    const routing = this.pipeline.routing;
    if (routing === undefined) return this.connects.run(connect());
    const target = await routing.target(performance.now() + this.policy.outageBudgetMs);
    // knex's mysql2 dialect calls createConnection synchronously inside acquireRawConnection.
    this.#target = target;
    try {
      return await this.connects.run(connect());
    } finally {
      this.#target = undefined;
    }
  }

  /** The connection config a connect uses: the writer's host and port when the pool is routed. */
  rewriteConfig(config: unknown): unknown {
    const target = this.#target;
    if (target === undefined || config === null || typeof config !== 'object') return config;
    // All own properties: a password knex keeps non-enumerable included.
    const routed = copyOwnProperties(config, { host: target.host, port: target.port });
    delete (routed as { socketPath?: unknown }).socketPath;
    return routed;
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

  /** True between the knex instance's destroy() and its next initialize(). */
  get closed(): boolean {
    return this.pipeline.closed;
  }

  /** db.destroy(): calls still waiting out an outage end now instead of holding the process open. */
  close(): void {
    this.pipeline.close();
    this.connects.abortAll();
  }

  /** db.initialize() after a destroy: a new engine, gate and reaper; events and counters go on. */
  reopen(): void {
    if (!this.pipeline.closed) return;
    this.pipeline.reopen();
    if (this.#routing !== undefined) this.pipeline.route(this.#routing());
  }

  stats(): PoolStats {
    return this.pipeline.stats();
  }

  /** afterCreate: the pipeline's adoption (keepalive, the server's limits, an error listener). */
  async onConnectionCreated(connection: Mysql2Connection): Promise<void> {
    await this.pipeline.adopt(connection).catch((error: unknown) => {
      // Still part of connecting: the application's statement has not been sent yet, and the
      // failed create is retried like a refused connect (so knex's warning about it is noise too).
      this.onConnectFailed(error);
      throw markConnectPhase(error);
    });
    // knex's own listener (mysql/index.js, acquireRawConnection) marks the connection disposed and
    // logs "Connection Error" when it is next acquired; the pipeline's records why, and this drops that line.
    connection.on('error', (error) => this.warnings.expect(disposedWarning(error)));
  }

  /** pool.validate: runs only on acquire (tarn), before the user's validate. */
  validate(connection: Mysql2Connection): boolean | Promise<boolean> {
    return this.pipeline.validate(connection);
  }

  onReleased(connection: Mysql2Connection): void {
    this.pipeline.released(connection);
  }

  onDestroyed(connection: Mysql2Connection): void {
    this.pipeline.destroyed(connection);
  }

  /** A connect failed: goneaway retries it or surfaces a typed error, so knex's warning is noise. */
  onConnectFailed(error: unknown): void {
    if (hasKindTrait(classify(error).kind, 'connect-noise')) this.warnings.expect(acquireWarning(error));
  }
}
