import { classify, type Policy, type PoolStats } from '@goneaway/core';
import {
  ConnectionPipeline,
  type EventHub,
  hasKindTrait,
  markConnectPhase,
  type PooledConnectionState,
  type ReconnectGate,
  type RetryEngine,
} from '@goneaway/core/adapter';
import { ConnectsInFlight } from './connects-in-flight.js';
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

  constructor(readonly policy: Policy) {
    this.pipeline = new ConnectionPipeline(policy, knexConnectionDriver);
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

  stateOf(connection: Mysql2Connection): PooledConnectionState | undefined {
    return this.pipeline.stateOf(connection);
  }

  /** db.destroy(): calls still waiting out an outage end now instead of holding the process open. */
  close(): void {
    this.pipeline.close();
    this.connects.abortAll();
  }

  /** db.initialize() after a destroy: a new engine, gate and reaper; events and counters go on. */
  reopen(): void {
    this.pipeline.reopen();
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
