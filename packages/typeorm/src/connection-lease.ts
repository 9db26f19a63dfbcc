import { isGoneAwayError } from '@goneaway/core';

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

/**
 * What TypeORM's query runner holds instead of a mysql2 connection: the same calls (callback
 * `query()` for TypeORM 0.3, `promise().query()` for 1.x, event-mode `query()` for streams,
 * `release()`) on the connection of the wrapped pool, which types its failures and, outside a
 * transaction on a session that carries no state TypeORM set, runs a statement that lost it again
 * on a fresh connection the query runner keeps from then on (`@goneaway/mysql2`'s held connections).
 * The lease adds what TypeORM needs on top: a thin `promise()` and errors without bound values.
 */
export class ConnectionLease {
  #connection: LeasedConnection | undefined;

  constructor(connection: LeasedConnection) {
    this.#connection = connection;
  }

  /** The mysql2 connection the query runner holds (undefined once released). */
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

  /**
   * What TypeORM 1.x calls before each statement: `promise().query(sql, parameters)`. Thinner than
   * mysql2's own promise wrapper, which captures a stack trace per call.
   */
  promise(): {
    query(...args: unknown[]): Promise<[unknown, unknown]>;
    execute(...args: unknown[]): Promise<[unknown, unknown]>;
  } {
    const run =
      (kind: 'query' | 'execute') =>
      (...args: unknown[]): Promise<[unknown, unknown]> =>
        new Promise((resolve, reject) => {
          try {
            this.#call(kind, [
              ...args,
              ((error, rows, fields) => (error ? reject(error) : resolve([rows, fields]))) as Callback,
            ]);
          } catch (error) {
            // mysql2 throws synchronously for bad bind values (undefined, functions).
            reject(error);
          }
        });
    return { query: run('query'), execute: run('execute') };
  }

  release(): void {
    this.#connection?.release();
    this.#connection = undefined;
  }

  destroy(): void {
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
    const connection = this.#connection;
    if (connection === undefined) throw new Error('The connection was released.');
    const last = args.at(-1);
    // Event and stream mode (TypeORM's stream()) keep mysql2's own path.
    if (typeof last !== 'function') return connection[kind](...args);
    const callback = last as Callback;
    return connection[kind](...args.slice(0, -1), ((error, rows, fields) => {
      if (error) callback(withoutParameters(error));
      else callback(null, rows, fields);
    }) as Callback);
  }
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
