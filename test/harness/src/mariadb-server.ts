import type { ServerOptions } from './server-options.js';

/** What a knex or mysql2 config needs to reach a server as one user. */
export interface ConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface StartMariaDBOptions {
  /** Extra mariadbd options, e.g. `{ wait_timeout: 2, max_allowed_packet: '1M' }`; they win over the defaults. */
  readonly serverOptions?: ServerOptions;
  /** How long the server may take to answer before the start fails (default 30 000 ms). */
  readonly startTimeoutMs?: number;
  /**
   * Copy a cached, initialised datadir instead of running `mariadb-install-db` (default true; about
   * 0.3 s instead of 1.3 s). Servers whose serverOptions include init-time options get a template of their own.
   */
  readonly useTemplate?: boolean;
}

export interface RestartOptions {
  /** How long the server stays down between the stop and the new start (default 0). */
  readonly downMs?: number;
  /** SIGTERM (default): a graceful shutdown, clients see 1053/connection lost; SIGKILL: a crash. */
  readonly signal?: 'SIGKILL' | 'SIGTERM';
  /** Options changed for this start and the later ones (merged over the current ones). */
  readonly serverOptions?: ServerOptions;
}

/** How long each phase of a start took (ms), for reports. */
export interface StartTimings {
  readonly datadirMs: number;
  readonly startMs: number;
  readonly setupMs: number;
  readonly totalMs: number;
  readonly fromTemplate: boolean;
}

export interface MariaDBServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** mysql://goneaway:<pw>@127.0.0.1:<port>/goneaway: the application user (no SUPER, so read_only applies). */
  readonly url: string;
  /** The admin (root) user's URL. */
  readonly adminUrl: string;
  readonly connection: ConnectionInfo;
  readonly adminConnection: ConnectionInfo;
  /** False for a server the harness did not start (MYSQL_URL) or does not own (the shared one): no stop/kill/restart. */
  readonly canControl: boolean;
  /** True when the server comes from MYSQL_URL (serverOptions were ignored). */
  readonly external: boolean;
  readonly dir: string | undefined;
  readonly datadir: string | undefined;
  /** mariadbd's error log (its stdout and stderr go there too). */
  readonly logFile: string | undefined;
  /** The mariadbd process id while it runs. */
  readonly pid: number | undefined;
  readonly timings: StartTimings | undefined;

  version(): Promise<string>;
  /**
   * Runs one statement as the admin on a small pool (no session state between calls; recreated after a
   * restart). Rows for a statement that returns rows, [] for the others.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Thread ids of `user`'s connections (default the application user), never the admin pool's own. */
  processIds(user?: string): Promise<number[]>;
  /** KILLs every connection of `user` (default the application user), waits until they are gone, returns how many. */
  killConnections(user?: string): Promise<number>;
  /** Graceful shutdown (SIGTERM); waits for the process to exit; keeps the datadir. */
  stop(): Promise<void>;
  /** SIGKILL; waits for the process to exit; keeps the datadir. */
  kill(): Promise<void>;
  /** Starts again after stop() or kill(): same datadir, port and options. */
  start(): Promise<void>;
  restart(options?: RestartOptions): Promise<void>;
  /** Stops the server and deletes its temp dir; idempotent. */
  destroy(): Promise<void>;
}
