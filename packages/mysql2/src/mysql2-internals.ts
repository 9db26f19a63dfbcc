/**
 * The parts of mysql2 (≥ 3.9, lib/base/pool.js and lib/pool_connection.js) the adapter relies on,
 * typed structurally so that mysql2's own typings are not needed at runtime or in the public API.
 */
export type Mysql2Callback = (error: unknown, rows?: unknown, fields?: unknown) => void;

export interface CorePoolConnection {
  query(...args: unknown[]): unknown;
  execute(...args: unknown[]): unknown;
  ping(callback: (error?: unknown) => void): void;
  format(sql: string, values: unknown[]): string;
  release(): void;
  destroy(): void;
  promise(promiseImpl?: unknown): unknown;
  /** COM_CHANGE_USER: another user or database for the same session. */
  changeUser?(...args: unknown[]): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  readonly stream: { destroy(): void; readonly destroyed?: boolean };
  readonly _fatalError?: unknown;
  readonly _closing?: boolean;
  /** False until the handshake and authentication are done (lib/base/connection.js). */
  readonly authorized?: boolean;
  /** A PoolConnection's pool, `null` once it left it (lib/pool_connection.js). */
  readonly _pool?: CorePool | null;
  /** A PoolConnection leaves its pool (lib/pool_connection.js); the base class's end() then says goodbye (COM_QUIT). */
  _removeFromPool?(): void;
}

/** The fields of mysql2's ConnectionConfig (lib/connection_config.js) goneaway reads: where, and the secrets to redact. */
export interface Mysql2ConnectionConfig {
  readonly host?: string;
  readonly port?: number;
  readonly socketPath?: string;
  readonly password?: string;
  readonly password2?: string;
  readonly password3?: string;
}

export interface CorePool {
  getConnection(callback: (error: unknown, connection?: CorePoolConnection) => void): void;
  query(...args: unknown[]): unknown;
  execute(...args: unknown[]): unknown;
  end(callback?: (error?: unknown) => void): void;
  promise(promiseImpl?: unknown): unknown;
  readonly config: {
    readonly connectionLimit: number;
    /** lib/connection_config.js: where and how the pool's connections connect. */
    readonly connectionConfig?: Mysql2ConnectionConfig;
  };
  readonly _freeConnections: { readonly length: number; get(index: number): unknown };
  readonly _allConnections: { readonly length: number; get(index: number): CorePoolConnection | undefined };
  readonly _closed: boolean;
}

/** mysql2/promise's PromisePool: a thin shell over a core pool (lib/promise/pool.js). */
export interface PromisePoolShell {
  readonly pool: CorePool;
  readonly Promise?: unknown;
}

export function isCorePool(value: unknown): value is CorePool {
  const candidate = value as Partial<CorePool> | null | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.getConnection === 'function' &&
    typeof candidate.promise === 'function' &&
    typeof candidate._freeConnections === 'object'
  );
}

/** The core pool of a callback pool (itself) or of a promise pool (its `.pool`). */
export function corePoolOf(pool: unknown): CorePool | undefined {
  if (isCorePool(pool)) return pool;
  const inner = (pool as Partial<PromisePoolShell> | null | undefined)?.pool;
  return isCorePool(inner) ? inner : undefined;
}
