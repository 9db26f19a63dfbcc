import { createRequire } from 'node:module';

/**
 * The parts of knex's own implementation the plugin extends. knex publishes no `exports` map, so its
 * `lib/` files are reachable; they are resolved from the knex the application installed (a peer
 * dependency), so the client class, the Runner and the helpers all come from the same copy.
 * Checked against knex 3.2 and 3.3: lib/dialects/mysql2/index.js (Client_MySQL2),
 * lib/execution/runner.js (Runner.run / ensureConnection / query),
 * lib/execution/internal/ensure-connection-callback.js, lib/knex-builder/internal/parse-connection.js.
 */
export interface KnexInternals {
  readonly Mysql2Client: KnexClientClass;
  readonly Runner: KnexRunnerClass;
  readonly ensureConnectionCallback: (runner: KnexRunner) => Promise<unknown>;
  readonly parseConnection: (url: string) => { client: string; connection: Record<string, unknown> };
}

/** The slice of knex's Client that the plugin touches (knex ships no types for its internals). */
export interface KnexClient {
  config: Record<string, unknown>;
  transacting?: boolean;
  logger: { warn(message: unknown): void };
  pool?: unknown;
  runner(builder: unknown): KnexRunner;
  acquireRawConnection(): Promise<Mysql2Connection>;
  acquireConnection(): Promise<Mysql2Connection>;
  releaseConnection(connection: Mysql2Connection): Promise<void>;
  query(connection: Mysql2Connection, obj: KnexQueryObject | string): Promise<KnexQueryObject>;
  validateConnection(connection: Mysql2Connection): boolean;
  destroyRawConnection(connection: Mysql2Connection): Promise<void>;
  destroy(callback?: unknown): Promise<void>;
}

export type KnexClientClass = new (config: Record<string, unknown>) => KnexClient;

export interface KnexRunner {
  client: KnexClient;
  builder: KnexBuilderShape;
  connection: Mysql2Connection | undefined;
  run(): Promise<unknown>;
  query(obj: KnexQueryObject): Promise<unknown>;
  queryArray(queries: KnexQueryObject[]): Promise<unknown>;
  ensureConnection(cb: (runner: KnexRunner) => Promise<unknown>): Promise<unknown>;
}

export type KnexRunnerClass = new (client: KnexClient, builder: unknown) => KnexRunner;

export interface KnexBuilderShape {
  _connection?: unknown;
  _method?: string;
  _sequence?: unknown;
  _events?: Record<string, unknown>;
  emit(event: string, ...args: unknown[]): boolean;
}

export interface KnexQueryObject {
  sql: string;
  bindings?: unknown[];
  method?: string;
  options?: Record<string, unknown>;
  timeout?: number;
  [key: string]: unknown;
}

/** The slice of a mysql2 callback connection the plugin uses (lib/base/connection.js). */
export interface Mysql2Connection {
  threadId: number | null;
  stream: { destroyed: boolean; destroy(): void; setKeepAlive?(enable: boolean, delay: number): unknown };
  _fatalError?: unknown;
  _protocolError?: unknown;
  _closing?: boolean;
  __knex__disposed?: unknown;
  __knexUid?: string;
  __knexTxId?: string;
  config: { maxAllowedPacket?: number; [key: string]: unknown };
  query(
    sql: string | { sql: string; [key: string]: unknown },
    values: unknown,
    cb: (err: unknown, rows: unknown) => void,
  ): unknown;
  ping(cb: (err: unknown) => void): unknown;
  format(sql: string, values: unknown): string;
  destroy(): void;
  end(cb: (err?: unknown) => void): void;
  on(event: 'error', listener: (err: unknown) => void): unknown;
}

/** Called once per goneAway(): Node's require cache makes repeated loads cheap. */
export function loadKnexInternals(): KnexInternals {
  // Not named `require`: the CJS build rewrites `import.meta.url` into an expression that calls the
  // module's own `require`, which a local `const require` would shadow (a ReferenceError at load).
  const requireFromHere = createRequire(import.meta.url);
  const load = <T>(path: string): T => {
    try {
      return requireFromHere(path) as T;
    } catch (error) {
      throw new Error(
        `@goneaway/knex could not load ${path} from the installed knex (a peer dependency: npm install knex@">=3.2" mysql2).`,
        { cause: error },
      );
    }
  };
  return {
    Mysql2Client: load<KnexClientClass>('knex/lib/dialects/mysql2/index.js'),
    Runner: load<KnexRunnerClass>('knex/lib/execution/runner.js'),
    ensureConnectionCallback: load<{ ensureConnectionCallback: KnexInternals['ensureConnectionCallback'] }>(
      'knex/lib/execution/internal/ensure-connection-callback.js',
    ).ensureConnectionCallback,
    parseConnection: load<KnexInternals['parseConnection']>(
      'knex/lib/knex-builder/internal/parse-connection.js',
    ),
  };
}
