import { AdminClient } from './admin-client.js';
import { HarnessError, HarnessUnsupportedError } from './harness-error.js';
import type { ConnectionInfo, MariaDBServer, StartTimings } from './mariadb-server.js';

const DEFAULT_PORT = 3306;

/** Parses mysql://user:password@host:port/database (mariadb:// too) into connection settings. */
export function parseMysqlUrl(url: string, what = 'MYSQL_URL'): ConnectionInfo {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HarnessError(
      'HARNESS_INVALID_ARGUMENT',
      `${what} is not a URL (expected mysql://user:pass@host:port/db)`,
    );
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new HarnessError(
      'HARNESS_INVALID_ARGUMENT',
      `${what} must start with mysql:// or mariadb://, got ${parsed.protocol}//`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database || !parsed.username) {
    throw new HarnessError(
      'HARNESS_INVALID_ARGUMENT',
      `${what} must name a user and a database (mysql://user:pass@host:port/db)`,
    );
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : DEFAULT_PORT,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

export interface ExternalServerSettings {
  readonly url: string;
  /** Defaults to `url`: the tests then administer the server as the application user. */
  readonly adminUrl?: string;
  /** Why stop/kill/restart are refused, for the error message. */
  readonly controlRefusal: string;
  /** Whether it is a MYSQL_URL server (true) or the harness's shared server (false). */
  readonly external: boolean;
}

/**
 * A server the calling process does not own (MYSQL_URL, or the run's shared server): queries and KILLs
 * work, anything that would stop, restart or reconfigure it throws HarnessUnsupportedError.
 */
export class ExternalMariaDBServer implements MariaDBServer {
  readonly canControl = false;
  readonly external: boolean;
  readonly url: string;
  readonly adminUrl: string;
  readonly connection: ConnectionInfo;
  readonly adminConnection: ConnectionInfo;
  readonly dir = undefined;
  readonly datadir = undefined;
  readonly logFile = undefined;
  readonly pid = undefined;
  readonly timings: StartTimings | undefined = undefined;

  readonly #admin: AdminClient;
  readonly #controlRefusal: string;

  constructor(settings: ExternalServerSettings) {
    this.url = settings.url;
    this.adminUrl = settings.adminUrl ?? settings.url;
    this.connection = Object.freeze(parseMysqlUrl(settings.url));
    this.adminConnection = Object.freeze(parseMysqlUrl(this.adminUrl, 'the admin URL'));
    this.external = settings.external;
    this.#controlRefusal = settings.controlRefusal;
    this.#admin = new AdminClient(this.adminConnection);
  }

  get host(): string {
    return this.connection.host;
  }

  get port(): number {
    return this.connection.port;
  }

  version(): Promise<string> {
    return this.#admin.version();
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.#admin.query<T>(sql, params);
  }

  processIds(user: string = this.connection.user): Promise<number[]> {
    return this.#admin.processIds(user);
  }

  killConnections(user: string = this.connection.user): Promise<number> {
    return this.#admin.killConnections(user);
  }

  stop(): Promise<void> {
    return this.#refuse('stop()');
  }

  kill(): Promise<void> {
    return this.#refuse('kill()');
  }

  start(): Promise<void> {
    return this.#refuse('start()');
  }

  restart(): Promise<void> {
    return this.#refuse('restart()');
  }

  /** Closes the admin pool only: the server itself is not ours. */
  async destroy(): Promise<void> {
    await this.#admin.reset();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }

  #refuse(operation: string): Promise<never> {
    return Promise.reject(
      new HarnessUnsupportedError(
        `${operation} is not available on ${this.connection.host}:${this.connection.port}: ${this.#controlRefusal}`,
      ),
    );
  }
}
