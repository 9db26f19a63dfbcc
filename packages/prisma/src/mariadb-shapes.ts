/**
 * What goneaway uses of the `mariadb` package's promise pool and connections (3.x), the objects
 * `@prisma/adapter-mariadb` runs every statement on. Structural: the adapter's own mariadb copy is used.
 */
export interface MariadbConnection {
  /** One object per physical connection, kept across getConnection() calls (the wrapper is new each time). */
  readonly info: object | null;
  readonly threadId: number | null;
  query(sql: unknown, values?: unknown): Promise<unknown>;
  execute(sql: unknown, values?: unknown): Promise<unknown>;
  ping(timeout?: number): Promise<void>;
  isValid(): boolean;
  destroy(): void;
  release(): Promise<void>;
}

export interface MariadbPool {
  readonly closed: boolean;
  getConnection(): Promise<MariadbConnection>;
  query(sql: unknown, values?: unknown): Promise<unknown>;
  execute(sql: unknown, values?: unknown): Promise<unknown>;
  batch(sql: unknown, values?: unknown): Promise<unknown>;
  idleConnections(): number;
  totalConnections(): number;
  /** Callers waiting for a connection. */
  taskQueueSize(): number;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: 'error', listener: (error: unknown) => void): unknown;
}

export function isMariadbPool(value: unknown): value is MariadbPool {
  const pool = value as Partial<MariadbPool> | null | undefined;
  return (
    typeof pool === 'object' &&
    pool !== null &&
    typeof pool.getConnection === 'function' &&
    typeof pool.execute === 'function' &&
    typeof pool.query === 'function' &&
    typeof pool.idleConnections === 'function'
  );
}

/** mariadb's (sql, values) pair: a string, or `{ sql, …options }` with the values beside or inside it. */
export interface MariadbCall {
  readonly sql: string | undefined;
  readonly values: readonly unknown[];
}

export function parseCall(sql: unknown, values: unknown): MariadbCall {
  const text =
    typeof sql === 'string'
      ? sql
      : typeof (sql as { sql?: unknown } | null)?.sql === 'string'
        ? (sql as { sql: string }).sql
        : undefined;
  const inner = typeof sql === 'object' && sql !== null ? (sql as { values?: unknown }).values : undefined;
  const chosen = values ?? inner;
  return { sql: text, values: Array.isArray(chosen) ? chosen : chosen === undefined ? [] : [chosen] };
}
