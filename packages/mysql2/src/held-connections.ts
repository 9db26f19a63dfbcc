import { type ConnectionLostError, isConnectionLost } from '@goneaway/core';
import type { ConnectionPipeline } from '@goneaway/core/adapter';
import { HeldConnectionLease, type LeasePool } from './held-connection-lease.js';
import {
  baseOf,
  type CallKind,
  destroyConnection,
  type Mysql2Statement,
} from './mysql2-connection-driver.js';
import type { CorePoolConnection, Mysql2Callback } from './mysql2-internals.js';
import { type Mysql2Call, parseCall } from './parse-call.js';
import type { StatementDispatcher } from './statement-dispatcher.js';
import { statementOf } from './statement-of.js';

/**
 * goneaway's methods on the connections an application holds (from getConnection, or createConnection):
 * query/execute through the pipeline, and, for a pool's connections, release and destroy that keep the
 * pipeline told. Own properties on the connection object itself: a holder (Drizzle, Kysely, a promise
 * wrapper) keeps the very object it was handed, and mysql2's beginTransaction/commit call this.query.
 *
 * A statement that lost a pooled connection outside a transaction, whose session carries no state the
 * holder set, runs again on a fresh connection when the policy allows it (a read; a write only when
 * nothing reached the server), which the holder keeps from then on (HeldConnectionLease).
 */
export class HeldConnections {
  /** Held connections whose lost session was replaced: the application still holds the first object. */
  readonly #leases = new WeakMap<CorePoolConnection, HeldConnectionLease<CorePoolConnection>>();
  readonly #leasePool: LeasePool<CorePoolConnection> = {
    // The replacement's own release (patched below): it is marked used and watched by the reaper.
    giveBack: (connection) => connection.release(),
    // mysql2's own destroy: a held connection's patched one would reach its lease.
    discard: (connection) => destroyConnection(connection),
  };
  readonly #patched = new WeakSet<CorePoolConnection>();

  /** `acquire`: a fresh validated connection of the pool within the call's budget; none for lone connections. */
  constructor(
    private readonly pipeline: ConnectionPipeline<CorePoolConnection, Mysql2Statement>,
    private readonly dispatcher: StatementDispatcher,
    private readonly acquire:
      | ((signal?: AbortSignal, deadline?: number) => Promise<CorePoolConnection>)
      | undefined,
  ) {}

  /** Sets goneaway's methods on `connection`, once; returns it. */
  patch(connection: CorePoolConnection): CorePoolConnection {
    if (this.#patched.has(connection)) return connection;
    this.#patched.add(connection);
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
        const state = this.pipeline.stateOf(target);
        if (state !== undefined) state.pinned = true;
        return changeUser.apply(target, args);
      };
    }
    if (typeof release !== 'function') return connection;
    connection.destroy = () => {
      const lease = this.#leases.get(connection);
      if (lease !== undefined) {
        this.#leases.delete(connection);
        lease.destroy();
      }
      this.pipeline.destroyed(connection);
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
      release.call(connection);
      // Its idle deadline moves with every release; a hand-out takes it off the reaper's list, and the
      // reaper retires only a connection still free when the deadline comes.
      this.pipeline.released(connection);
    };
    return connection;
  }

  #callHeld(handle: CorePoolConnection, kind: CallKind, args: unknown[]): unknown {
    const connection = this.#leases.get(handle)?.current ?? handle;
    const parsed = parseCall(args);
    const callback = parsed.callback;
    // Event and stream mode (no callback) and mysql2's own command objects pass through untouched.
    if (callback === undefined || parsed.command) return baseOf(connection, kind).apply(connection, args);
    if (this.acquire === undefined) return this.dispatcher.dispatch(connection, kind, parsed, callback, true);
    return this.dispatcher.dispatch(
      connection,
      kind,
      parsed,
      (error, rows, fields) => {
        if (error && isConnectionLost(error) && !this.pipeline.stateOf(connection)?.pinned) {
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
    const acquire = this.acquire as NonNullable<typeof this.acquire>;
    let previous = failed;
    let lastLoss = firstLoss;
    this.pipeline.retry
      .execute(
        async (context) => {
          let lease = this.#leases.get(handle);
          if (lease === undefined) {
            lease = new HeldConnectionLease(handle, this.#leasePool);
            this.#leases.set(handle, lease);
          }
          const fresh = await lease.replace(previous, () => acquire(context.signal, context.deadline));
          previous = fresh;
          return new Promise<[unknown, unknown]>((resolve, reject) => {
            this.dispatcher.dispatch(
              fresh,
              kind,
              parsed,
              (error, rows, fields) => {
                if (!error) return resolve([rows, fields]);
                if (!isConnectionLost(error) || this.pipeline.stateOf(fresh)?.pinned) return reject(error);
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
}
