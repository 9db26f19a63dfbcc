import type { Mysql2Connection } from './knex-internals.js';

/** What knex's mysql dialect calls on its driver (lib/dialects/mysql/index.js, acquireRawConnection). */
export interface Mysql2Driver {
  createConnection(...args: unknown[]): Mysql2Connection;
}

/**
 * The raw connects of one knex pool still under way, so that db.destroy() ends them. tarn's destroy
 * waits for every create in flight (tarn Pool.destroy, pendingCreates), and mysql2 connects to a host
 * that never greets until its connectTimeout (goneaway's connectTimeoutMs, 10 s by default): an
 * application's shutdown would wait that long, and its process would stay up behind the socket and
 * mysql2's connect timer even after that.
 */
export class ConnectsInFlight {
  /** Connections made by the driver whose acquireRawConnection has not settled yet. */
  readonly #connections = new Set<Mysql2Connection>();
  /** Rejects each acquireRawConnection still waiting. */
  readonly #aborts = new Set<(error: Error) => void>();

  /**
   * `driver` with a createConnection that records each connection it makes (its config first given
   * to `rewrite`: the cluster's writer, when the pool is routed). Only knex's acquireRawConnection
   * calls it; the other members are the driver's own.
   */
  track<D extends Mysql2Driver>(driver: D, rewrite?: (config: unknown) => unknown): D {
    const tracked = Object.create(driver) as D;
    tracked.createConnection = (...args: unknown[]) => {
      const connection =
        rewrite === undefined
          ? driver.createConnection(...args)
          : driver.createConnection(rewrite(args[0]), ...args.slice(1));
      this.#connections.add(connection);
      return connection;
    };
    return tracked;
  }

  /** `connecting`, unless abortAll() comes first: then it rejects at once and a late connection is destroyed. */
  run(connecting: Promise<Mysql2Connection>): Promise<Mysql2Connection> {
    return new Promise<Mysql2Connection>((resolve, reject) => {
      let aborted = false;
      const abort = (error: Error) => {
        aborted = true;
        reject(error);
      };
      this.#aborts.add(abort);
      connecting.then(
        (connection) => {
          this.#aborts.delete(abort);
          this.#settled(connection);
          if (aborted) destroySocket(connection);
          else resolve(connection);
        },
        (error: unknown) => {
          this.#aborts.delete(abort);
          this.#settled(undefined);
          reject(error);
        },
      );
    });
  }

  /** db.destroy(): every connect still under way ends now, its socket and connect timer with it. */
  abortAll(): void {
    const error = new DOMException('knex was destroyed while this connection was being made', 'AbortError');
    for (const abort of this.#aborts) abort(error);
    this.#aborts.clear();
    for (const connection of this.#connections) destroySocket(connection);
    this.#connections.clear();
  }

  get size(): number {
    return this.#connections.size;
  }

  /** The connection handed out leaves the set, and so does any that failed (its socket is gone already). */
  #settled(connection: Mysql2Connection | undefined): void {
    if (connection !== undefined) this.#connections.delete(connection);
    for (const pending of this.#connections) {
      if (pending._fatalError || pending._closing || pending.stream.destroyed)
        this.#connections.delete(pending);
    }
  }
}

/** mysql2's destroy() clears the connect timer but only half-closes the socket: a silent host never answers the FIN. */
function destroySocket(connection: Mysql2Connection): void {
  try {
    connection.destroy();
  } finally {
    connection.stream.destroy();
  }
}
