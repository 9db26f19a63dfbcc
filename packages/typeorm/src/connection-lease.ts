import { isConnectionLost, isGoneAwayError, isReadOnlyStatement } from '@goneaway/core';
import type { TypeormPoolState } from './typeorm-pool-state.js';

type Callback = (error: unknown, rows?: unknown, fields?: unknown) => void;

/** What the lease needs of a connection from the wrapped mysql2 pool (mysql2's own PoolConnection). */
export interface LeasedConnection {
  query(...args: unknown[]): unknown;
  execute(...args: unknown[]): unknown;
  release(): void;
  destroy(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  listeners(event: string): unknown[];
  readonly threadId?: number | null;
}

/** Acquires a validated connection from the wrapped pool (waits out an outage within the budget). */
export type AcquireConnection = () => Promise<LeasedConnection>;

/**
 * What TypeORM's query runner holds instead of a mysql2 connection: the same calls (callback
 * `query()` for TypeORM 0.3, `promise().query()` for 1.x, event-mode `query()` for streams,
 * `release()`), over a connection it can replace. The wrapped connection already types its failures
 * (`GONEAWAY_CONNECTION_LOST` outside a transaction, `GONEAWAY_TRANSACTION_LOST` inside one); a
 * statement that lost its connection outside a transaction is run again here, on a fresh connection
 * that the query runner keeps from then on, when the policy allows it (reads; writes only when
 * nothing reached the server).
 */
export class ConnectionLease {
  #connection: LeasedConnection | undefined;
  /** A replacement being acquired: statements that lost the same connection share it. */
  #replacing: Promise<LeasedConnection> | undefined;
  #released = false;

  constructor(
    connection: LeasedConnection,
    readonly state: TypeormPoolState,
    readonly acquire: AcquireConnection,
  ) {
    this.#connection = connection;
  }

  /** The mysql2 connection the query runner currently runs on. */
  get connection(): LeasedConnection | undefined {
    return this.#connection;
  }

  get threadId(): number | null | undefined {
    return this.#connection?.threadId;
  }

  query(...args: unknown[]): unknown {
    return this.#call('query', args);
  }

  execute(...args: unknown[]): unknown {
    return this.#call('execute', args);
  }

  /** What TypeORM 1.x calls before each statement: `promise().query(sql, parameters)`. */
  promise(): {
    query(...args: unknown[]): Promise<[unknown, unknown]>;
    execute(...args: unknown[]): Promise<[unknown, unknown]>;
  } {
    const run =
      (kind: 'query' | 'execute') =>
      (...args: unknown[]): Promise<[unknown, unknown]> =>
        new Promise((resolve, reject) => {
          this.#call(kind, [
            ...args,
            ((error, rows, fields) => (error ? reject(error) : resolve([rows, fields]))) as Callback,
          ]);
        });
    return { query: run('query'), execute: run('execute') };
  }

  release(): void {
    this.#released = true;
    this.#connection?.release();
    this.#connection = undefined;
  }

  destroy(): void {
    this.#released = true;
    this.#connection?.destroy();
    this.#connection = undefined;
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.#connection?.on(event, listener);
    return this;
  }

  once(event: string, listener: (...args: unknown[]) => void): this {
    this.#connection?.once(event, listener);
    return this;
  }

  removeListener(event: string, listener: (...args: unknown[]) => void): this {
    this.#connection?.removeListener(event, listener);
    return this;
  }

  off(event: string, listener: (...args: unknown[]) => void): this {
    return this.removeListener(event, listener);
  }

  listeners(event: string): unknown[] {
    return this.#connection?.listeners(event) ?? [];
  }

  #call(kind: 'query' | 'execute', args: unknown[]): unknown {
    const last = args.at(-1);
    const connection = this.#connection;
    // Event and stream mode (TypeORM's stream()) keep mysql2's own path on the current connection.
    if (typeof last !== 'function' || connection === undefined) {
      if (connection === undefined) throw new Error('The connection was released.');
      return connection[kind](...args);
    }
    const callback = last as Callback;
    const head = args.slice(0, -1);
    this.#run(connection, kind, head).then(
      ([rows, fields]) => callback(null, rows, fields),
      (error: unknown) => callback(withoutParameters(error)),
    );
    return undefined;
  }

  async #run(
    connection: LeasedConnection,
    kind: 'query' | 'execute',
    head: readonly unknown[],
  ): Promise<[unknown, unknown]> {
    try {
      return await once(connection, kind, head);
    } catch (lost) {
      // Inside a transaction the adapter says GONEAWAY_TRANSACTION_LOST: never run again here.
      if (!isConnectionLost(lost)) throw lost;
      const sql = sqlOf(head[0]);
      const firstFailure = driverErrorOf(lost);
      let failed = connection;
      try {
        return await this.state.retry.execute(
          async () => {
            const fresh = await this.#replace(failed);
            failed = fresh;
            try {
              return await once(fresh, kind, head);
            } catch (error) {
              // The engine decides from the driver's error, not from the adapter's verdict on it.
              throw isConnectionLost(error) ? driverErrorOf(error) : error;
            }
          },
          {
            statement: {
              safety: sql !== undefined && isReadOnlyStatement(sql) ? 'read' : 'write',
              sql,
            },
            firstFailure: { error: firstFailure },
            gatedConnects: true,
          },
        );
      } catch (error) {
        // Not retried at all: the adapter's typed error is the better answer than the raw one.
        throw error === firstFailure ? lost : error;
      }
    }
  }

  /**
   * `failed` is gone: destroy it and hold a fresh connection from the pool. Statements that lost the
   * same connection at once (TypeORM may run several on one query runner) share one replacement; a
   * statement that lost a connection already replaced runs on the replacement.
   */
  #replace(failed: LeasedConnection): Promise<LeasedConnection> {
    if (this.#replacing !== undefined) return this.#replacing;
    const current = this.#connection;
    if (current !== undefined && current !== failed) return Promise.resolve(current);
    if (this.#released) return Promise.reject(new Error('The connection was released.'));
    failed.destroy();
    this.#connection = undefined;
    const replacing = this.acquire()
      .then((fresh) => {
        if (this.#released) {
          // Released while the replacement was on its way: give it straight back.
          fresh.release();
          throw new Error('The connection was released.');
        }
        this.#connection = fresh;
        return fresh;
      })
      .finally(() => {
        this.#replacing = undefined;
      });
    this.#replacing = replacing;
    return replacing;
  }
}

function once(
  connection: LeasedConnection,
  kind: 'query' | 'execute',
  head: readonly unknown[],
): Promise<[unknown, unknown]> {
  return new Promise((resolve, reject) => {
    const done: Callback = (error, rows, fields) => (error ? reject(error) : resolve([rows, fields]));
    try {
      connection[kind](...head, done);
    } catch (error) {
      // mysql2 throws synchronously for bad bind values (undefined, functions).
      reject(error);
    }
  });
}

function sqlOf(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  const sql = (first as { sql?: unknown } | null | undefined)?.sql;
  return typeof sql === 'string' ? sql : undefined;
}

function driverErrorOf(error: unknown): unknown {
  return (error as { cause?: unknown }).cause ?? error;
}

/**
 * TypeORM's QueryFailedError copies every own property of the driver's error onto itself after
 * setting `parameters` (the bound values, a 2 MB BLOB included). A goneaway error carries an own
 * `parameters` of `undefined`, so the error the application catches keeps no values (our own
 * `toJSON()` lists only its typed fields, so this one does not show there).
 */
function withoutParameters(error: unknown): unknown {
  if (isGoneAwayError(error) && !Object.hasOwn(error, 'parameters')) {
    Object.defineProperty(error, 'parameters', {
      value: undefined,
      // Enumerable: TypeORM copies the driver error's fields with an object spread.
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return error;
}
