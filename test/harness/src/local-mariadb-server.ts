import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { AdminClient } from './admin-client.js';
import { reapOnExit, releaseDirectory } from './child-reaper.js';
import type { MariaDBBinaries } from './find-mariadb-binaries.js';
import { findFreePort } from './free-port.js';
import { HarnessError, MariaDBStartError } from './harness-error.js';
import { fileSize, readLogTail } from './log-tail.js';
import { runAsArgs } from './mariadb-datadir.js';
import type { ConnectionInfo, MariaDBServer, RestartOptions, StartTimings } from './mariadb-server.js';
import { mergeServerOptions, type ServerOptions, toCommandLine } from './server-options.js';

export const APP_USER = 'goneaway';
export const APP_DATABASE = 'goneaway';
const ADMIN_USER = 'root';
const HOST = '127.0.0.1';

const PORT_ATTEMPTS = 5;
const STOP_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

export interface LocalServerLayout {
  readonly binaries: MariaDBBinaries;
  readonly dir: string;
  readonly datadir: string;
  readonly logFile: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly options: ServerOptions;
  readonly startTimeoutMs: number;
  readonly appPassword: string;
}

interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

interface RunningProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
}

type State = 'new' | 'running' | 'stopped' | 'destroyed';

/** mariadbd could not bind its port: someone took it between the probe and the start. */
class PortInUse extends Error {}

const PORT_IN_USE =
  /Address already in use|errno: 98\b|Do you already have another .*server running on port/i;

/** A mariadbd the harness started and owns: see MariaDBServer for the contract. */
export class LocalMariaDBServer implements MariaDBServer {
  readonly host = HOST;
  readonly canControl = true;
  readonly external = false;
  readonly dir: string;
  readonly datadir: string;
  readonly logFile: string;

  readonly #layout: LocalServerLayout;
  #options: ServerOptions;
  #port = 0;
  #state: State = 'new';
  #process: RunningProcess | undefined;
  #admin: AdminClient | undefined;
  #timings: StartTimings | undefined;
  /** Lifecycle operations run one after the other, so a kill() never races a start(). */
  #queue: Promise<unknown> = Promise.resolve();
  #destroyed: Promise<void> | undefined;

  constructor(layout: LocalServerLayout) {
    this.#layout = layout;
    this.#options = layout.options;
    this.dir = layout.dir;
    this.datadir = layout.datadir;
    this.logFile = layout.logFile;
  }

  get port(): number {
    return this.#port;
  }

  get pid(): number | undefined {
    return this.#state === 'running' ? this.#process?.child.pid : undefined;
  }

  get timings(): StartTimings | undefined {
    return this.#timings;
  }

  get connection(): ConnectionInfo {
    return {
      host: HOST,
      port: this.#port,
      user: APP_USER,
      password: this.#layout.appPassword,
      database: APP_DATABASE,
    };
  }

  get adminConnection(): ConnectionInfo {
    return { host: HOST, port: this.#port, user: ADMIN_USER, password: '', database: APP_DATABASE };
  }

  get url(): string {
    return `mysql://${APP_USER}:${this.#layout.appPassword}@${HOST}:${this.#port}/${APP_DATABASE}`;
  }

  get adminUrl(): string {
    return `mysql://${ADMIN_USER}@${HOST}:${this.#port}/${APP_DATABASE}`;
  }

  /**
   * First start: picks a free port (again if another process takes it first), starts mariadbd and
   * creates the application user and database. Called once by startMariaDB().
   */
  async initialize(datadirMs: number, fromTemplate: boolean): Promise<void> {
    const started = performance.now();
    await this.#serial(async () => {
      for (let attempt = 1; ; attempt += 1) {
        this.#port = await findFreePort(HOST);
        try {
          await this.#launch();
          break;
        } catch (error) {
          if (!(error instanceof PortInUse) || attempt === PORT_ATTEMPTS) throw this.#asStartError(error);
        }
      }
    });
    const ready = performance.now();
    await this.#createApplicationUser();
    this.#admin = new AdminClient(this.adminConnection);
    const done = performance.now();
    this.#timings = Object.freeze({
      datadirMs: Math.round(datadirMs),
      startMs: Math.round(ready - started),
      setupMs: Math.round(done - ready),
      totalMs: Math.round(datadirMs + done - started),
      fromTemplate,
    });
  }

  async #createApplicationUser(): Promise<void> {
    // The admin pool uses the application database, which does not exist yet: set it up on a plain connection.
    const connection = await createConnection({ ...this.adminConnection, database: undefined });
    try {
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${APP_DATABASE}\``);
      await connection.query('CREATE USER ?@? IDENTIFIED BY ?', [APP_USER, '%', this.#layout.appPassword]);
      // No SUPER (nor READ_ONLY ADMIN): read_only must apply to the application user.
      await connection.query(`GRANT ALL PRIVILEGES ON \`${APP_DATABASE}\`.* TO ?@?`, [APP_USER, '%']);
      await connection.query('GRANT PROCESS ON *.* TO ?@?', [APP_USER, '%']);
    } finally {
      await connection.end();
    }
  }

  version(): Promise<string> {
    return this.#requireAdmin().version();
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.#requireAdmin().query<T>(sql, params);
  }

  processIds(user: string = APP_USER): Promise<number[]> {
    return this.#requireAdmin().processIds(user);
  }

  killConnections(user: string = APP_USER): Promise<number> {
    return this.#requireAdmin().killConnections(user);
  }

  stop(): Promise<void> {
    return this.#serial(() => this.#terminate('SIGTERM'));
  }

  kill(): Promise<void> {
    return this.#serial(() => this.#terminate('SIGKILL'));
  }

  start(): Promise<void> {
    return this.#serial(() => this.#startAgain());
  }

  restart(options: RestartOptions = {}): Promise<void> {
    const { downMs = 0, signal = 'SIGTERM', serverOptions } = options;
    if (!Number.isFinite(downMs) || downMs < 0) {
      throw new HarnessError(
        'HARNESS_INVALID_ARGUMENT',
        `restart: downMs must be a number >= 0, got ${downMs}`,
      );
    }
    return this.#serial(async () => {
      await this.#terminate(signal);
      if (downMs > 0) await delay(downMs);
      if (serverOptions) this.#options = mergeServerOptions(this.#options, serverOptions);
      await this.#startAgain();
    });
  }

  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      // Not queued behind a pending start: destroy must be able to end a server that never answers.
      await this.#admin?.reset();
      await this.#killProcess('SIGKILL');
      this.#state = 'destroyed';
      await this.#queue.catch(() => undefined);
      await rm(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      releaseDirectory(this.dir);
    })();
    return this.#destroyed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#state === 'destroyed') {
        throw new HarnessError('HARNESS_DESTROYED', `the server on port ${this.#port} was destroyed`);
      }
      return operation();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #requireAdmin(): AdminClient {
    if (!this.#admin) {
      throw new HarnessError('HARNESS_INVALID_STATE', 'the server has not finished starting yet');
    }
    return this.#admin;
  }

  async #startAgain(): Promise<void> {
    if (this.#state === 'running') {
      throw new HarnessError(
        'HARNESS_INVALID_STATE',
        `the server on port ${this.#port} is already running: stop() or kill() it first`,
      );
    }
    try {
      await this.#launch();
    } catch (error) {
      if (error instanceof PortInUse) {
        throw new MariaDBStartError(
          'HARNESS_START_FAILED',
          `port ${this.#port} was taken by another process while the server was down`,
          error.message,
        );
      }
      throw error;
    }
  }

  async #terminate(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    // The admin pool's sockets are about to die: drop them now rather than on the next query.
    await this.#admin?.reset();
    await this.#killProcess(signal);
  }

  async #killProcess(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const running = this.#process;
    if (!running) return;
    const { child, exited } = running;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const outcome = await Promise.race([
        exited,
        delay(STOP_TIMEOUT_MS, undefined, { ref: false }).then(() => 'timeout' as const),
      ]);
      if (outcome === 'timeout') {
        // A shutdown that hangs must not hang the tests: finish it the hard way.
        child.kill('SIGKILL');
        await exited;
      }
    } else {
      await exited;
    }
    this.#process = undefined;
    if (this.#state === 'running') this.#state = 'stopped';
  }

  #commandLine(): { command: string; args: string[] } {
    const { binaries, datadir, socket, pidFile, logFile } = this.#layout;
    const serverArgs = [
      '--no-defaults', // must come first
      `--datadir=${datadir}`,
      `--port=${this.#port}`,
      `--bind-address=${HOST}`,
      `--socket=${socket}`,
      `--pid-file=${pidFile}`,
      `--log-error=${logFile}`,
      // Its own: a starting mariadbd deletes every '#sql*' file in its tmpdir (leftovers of a crash, it
      // assumes), and with the shared /tmp that was another running server's temporary table
      // ("Error on delete of '/tmp/#sql-temptable-….MAI'" in a full run).
      `--tmpdir=${this.#tmpdir}`,
      ...runAsArgs(),
      ...toCommandLine(this.#options),
    ];
    // PR_SET_PDEATHSIG: the kernel kills mariadbd even when this process dies by SIGKILL, which no
    // exit handler can see. The 'exit'/signal handlers in child-reaper cover the other platforms.
    if (binaries.setpriv) {
      return {
        command: binaries.setpriv,
        args: ['--pdeathsig', 'KILL', '--', binaries.mariadbd, ...serverArgs],
      };
    }
    return { command: binaries.mariadbd, args: serverArgs };
  }

  get #tmpdir(): string {
    return join(this.#layout.dir, 'tmp');
  }

  async #launch(): Promise<void> {
    const { logFile, startTimeoutMs } = this.#layout;
    mkdirSync(this.#tmpdir, { recursive: true });
    const logOffset = await fileSize(logFile);
    const { command, args } = this.#commandLine();
    // mariadbd writes early failures (bad option, running as root) on stderr before it opens
    // --log-error: send both streams to the same file so the log tail always explains a failure.
    const logFd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ['ignore', logFd, logFd], detached: false });
    } finally {
      closeSync(logFd);
    }
    reapOnExit(child);
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    const running: RunningProcess = { child, exited };
    this.#process = running;
    void exited.then(() => {
      // Died on its own (or was killed by someone else): the server is simply stopped.
      if (this.#process === running) {
        this.#process = undefined;
        if (this.#state === 'running') this.#state = 'stopped';
      }
    });
    await this.#waitUntilReady(running, logOffset, startTimeoutMs);
    this.#state = 'running';
  }

  async #waitUntilReady(running: RunningProcess, logOffset: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exit: ExitInfo | undefined;
    void running.exited.then((info) => {
      exit = info;
    });
    while (Date.now() < deadline) {
      if (exit) break;
      const remaining = deadline - Date.now();
      if (await this.#answers(Math.max(200, Math.min(2_000, remaining)))) return;
      if (exit) break;
      await delay(POLL_MS);
    }
    if (!exit) {
      running.child.kill('SIGKILL');
      await running.exited;
      this.#process = undefined;
      throw new MariaDBStartError(
        'HARNESS_START_FAILED',
        `mariadbd (port ${this.#port}, ${this.datadir}) did not answer within ${timeoutMs} ms`,
        await readLogTail(this.logFile, logOffset),
      );
    }
    this.#process = undefined;
    const tail = await readLogTail(this.logFile, logOffset);
    if (PORT_IN_USE.test(tail)) throw new PortInUse(tail);
    const how = exit.error
      ? `could not be run (${exit.error.message})`
      : `exited (${exit.signal ?? `code ${exit.code}`}) before answering`;
    throw new MariaDBStartError('HARNESS_START_FAILED', `mariadbd on port ${this.#port} ${how}`, tail);
  }

  /** True once *our* mariadbd accepts the admin: another server that grabbed the port does not count. */
  async #answers(connectTimeout: number): Promise<boolean> {
    let connection: Awaited<ReturnType<typeof createConnection>> | undefined;
    try {
      connection = await createConnection({ ...this.adminConnection, database: undefined, connectTimeout });
      const [rows] = await connection.query('SELECT @@datadir AS datadir');
      const datadir = (rows as { datadir?: string }[])[0]?.datadir ?? '';
      return resolvePath(datadir) === resolvePath(this.datadir);
    } catch {
      return false;
    } finally {
      connection?.destroy();
    }
  }

  #asStartError(error: unknown): unknown {
    if (error instanceof PortInUse) {
      return new MariaDBStartError(
        'HARNESS_START_FAILED',
        `no free port after ${PORT_ATTEMPTS} attempts: every port was taken before mariadbd bound it`,
        error.message,
      );
    }
    return error;
  }
}
