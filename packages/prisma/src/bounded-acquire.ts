import { classify } from '@goneaway/core';
import { connectCutOffAt, markConnectPhase } from '@goneaway/core/adapter';
import type { MariadbConnection, MariadbPool } from './mariadb-shapes.js';

interface Acquire {
  readonly reject: (error: unknown) => void;
}

/** A connect that did not finish in time, for classify: nothing was sent. */
function noConnectionInTime(): Error {
  return Object.assign(
    new Error('connect ETIMEDOUT: the mariadb pool gave no connection within the outage budget'),
    { code: 'ETIMEDOUT', syscall: 'connect' },
  );
}

/**
 * mariadb's own acquire (the pool prototype's getConnection), bounded: a pool error that waiting
 * cannot cure (a wrong password, a blocked host) ends every waiting acquire at once, and an acquire
 * given a deadline ends there with the pool's last connect error. While the server is unreachable
 * mariadb keeps a waiter for its acquireTimeout (10 s by default), longer than an outage budget.
 */
export class BoundedAcquire {
  readonly #pending = new Set<Acquire>();
  readonly #pools = new WeakSet<MariadbPool>();
  /** Pools whose last connect was refused for good: the refusal. */
  readonly #refused = new WeakMap<MariadbPool, unknown>();
  readonly #probing = new WeakSet<MariadbPool>();
  /** The driver error of each pool's last failed connect (what a wait bounded by the budget ends with). */
  readonly #lastConnectError = new WeakMap<MariadbPool, unknown>();

  /** Listens to `pool`'s errors (mariadb reports each failed connect of its own as one), once. */
  watch(pool: MariadbPool): void {
    if (this.#pools.has(pool)) return;
    this.#pools.add(pool);
    pool.on('error', (error: unknown) => {
      // mariadb wraps the driver's error.
      const cause = (error as { cause?: unknown }).cause ?? error;
      this.#lastConnectError.set(pool, markConnectPhase(cause));
      const classification = classify(error);
      if (classification.kind !== 'auth-failed' && classification.kind !== 'host-blocked') return;
      this.#refused.set(pool, cause);
      for (const acquire of this.#pending) acquire.reject(cause);
    });
  }

  /** The pool's last connect failed (the server may be unreachable). */
  failedLately(pool: MariadbPool): boolean {
    return this.#lastConnectError.has(pool);
  }

  /** A connect succeeded: the pool's last connect error no longer says the server is unreachable. */
  connected(pool: MariadbPool): void {
    this.#lastConnectError.delete(pool);
  }

  /**
   * An acquire from `pool`, ended by a refusal for good, or at `deadline` (monotonic) when given.
   * A connection mariadb hands over after that goes back to it.
   */
  acquire(pool: MariadbPool, deadline?: number): Promise<MariadbConnection> {
    const proto = Object.getPrototypeOf(pool) as MariadbPool;
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
}
