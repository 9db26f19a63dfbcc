import { createRequire } from 'node:module';
import { checkKnexVersion, type KnexVersionSupport, SUPPORTED_KNEX_RANGE } from './knex-version.js';

/**
 * The parts of knex's own implementation the plugin extends. knex publishes no `exports` map, so its
 * `lib/` files are reachable; they are resolved from the knex the application installed (a peer
 * dependency), so the client class, the Runner and the helpers all come from the same copy.
 * Checked against knex 2.5 to 3.3 (knex-version.ts): lib/dialects/mysql2/index.js (Client_MySQL2),
 * lib/execution/runner.js (Runner.run / ensureConnection / query),
 * lib/execution/internal/ensure-connection-callback.js, lib/knex-builder/internal/parse-connection.js.
 */
export interface KnexInternals {
  readonly knex: KnexVersionSupport;
  readonly Mysql2Client: KnexClientClass;
  readonly Runner: KnexRunnerClass;
  readonly ensureConnectionCallback: (runner: KnexRunner) => Promise<unknown>;
  readonly parseConnection: (url: string) => { client: string; connection: Record<string, unknown> };
}

/** The slice of knex's Client that the plugin touches (knex ships no types for its internals). */
export interface KnexClient {
  config: Record<string, unknown>;
  transacting?: boolean;
  logger: KnexLogger;
  pool?: unknown;
  /** The mysql2 module (client.js, initializeDriver); undefined when it could not be loaded. */
  driver?: unknown;
  getPoolSettings(poolConfig: KnexPoolConfig | undefined): KnexPoolSettings;
  initializePool(config?: Record<string, unknown>): void;
  runner(builder: unknown): KnexRunner;
  acquireRawConnection(): Promise<Mysql2Connection>;
  acquireConnection(): Promise<Mysql2Connection>;
  releaseConnection(connection: Mysql2Connection): Promise<void>;
  query(connection: Mysql2Connection, obj: KnexQueryObject | string): Promise<KnexQueryObject>;
  validateConnection(connection: Mysql2Connection): boolean;
  destroyRawConnection(connection: Mysql2Connection): Promise<void>;
  destroy(callback?: unknown): Promise<void>;
}

/** knex's Logger (logger.js): one per client, shared by the transaction clients and withUserParams clones made from it. */
export interface KnexLogger {
  warn(message: unknown): void;
  [key: symbol]: unknown;
}

export interface KnexPoolConfig {
  afterCreate?: unknown;
  validate?: unknown;
  [key: string]: unknown;
}

/** What getPoolSettings hands to tarn (client.js). */
export interface KnexPoolSettings {
  validate: (connection: Mysql2Connection) => boolean | Promise<boolean>;
  [key: string]: unknown;
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

/**
 * Called once per goneAway(): Node's require cache makes repeated loads cheap. `requireKnex` resolves
 * from this package (the application's knex, a peer dependency); tests pass their own.
 */
export function loadKnexInternals(
  requireKnex: (id: string) => unknown = createRequire(import.meta.url),
): KnexInternals {
  // Not named `require`: the CJS build rewrites `import.meta.url` into an expression that calls the
  // module's own `require`, which a local `const require` would shadow (a ReferenceError at load).
  const load = <T>(path: string): T => {
    try {
      return requireKnex(path) as T;
    } catch (error) {
      throw new Error(
        `@goneaway/knex could not load ${path} from the installed knex (a peer dependency: npm install knex@"${SUPPORTED_KNEX_RANGE}" mysql2).`,
        { cause: error },
      );
    }
  };
  // Before any lib/ file: an unsupported knex gets a clear error, not a missing-file one.
  const knex = checkKnexVersion(load<{ version?: unknown }>('knex/package.json').version);
  return {
    knex,
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
