import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { AdminClient } from './admin-client.js';
import { killGroup, reapGroupOnExit, reapOnExit, releaseGroup } from './child-reaper.js';
import type { FaultProxy } from './fault-proxy.js';
import type { MariaDBBinaries } from './find-mariadb-binaries.js';
import { findFreePort } from './free-port.js';
import { HarnessError, MariaDBStartError } from './harness-error.js';
import { fileSize, readLogTail } from './log-tail.js';
import type { ConnectionInfo } from './mariadb-server.js';
import { type ServerOptions, toCommandLine } from './server-options.js';

const HOST = '127.0.0.1';
const POLL_MS = 100;
const KILL_TIMEOUT_MS = 10_000;
export const GALERA_APP_USER = 'goneaway';
export const GALERA_APP_DATABASE = 'goneaway';

/** The four ports of one node: SQL clients, the group channel (gmcast), IST and SST (rsync daemon). */
export interface GaleraNodePorts {
  readonly sql: number;
  readonly group: number;
  readonly ist: number;
  readonly sst: number;
}

/** One node's view of the cluster (SHOW GLOBAL STATUS / VARIABLES); `reachable: false` when it does not answer. */
export interface GaleraNodeStatus {
  readonly reachable: boolean;
  /** wsrep_ready = ON: the node accepts queries. */
  readonly ready: boolean;
  /** wsrep_local_state: 1 Joining, 2 Donor/Desynced, 3 Joined, 4 Synced; 0 when unknown. */
  readonly localState: number;
  readonly localStateComment: string;
  readonly clusterSize: number;
  /** wsrep_cluster_status: Primary, non-Primary or Disconnected. */
  readonly clusterStatus: string;
  readonly connected: boolean;
  readonly desync: boolean;
  /** wsrep_reject_queries: NONE, ALL or ALL_KILL. */
  readonly rejectQueries: string;
  readonly readOnly: boolean;
}

const UNREACHABLE: GaleraNodeStatus = Object.freeze({
  reachable: false,
  ready: false,
  localState: 0,
  localStateComment: '',
  clusterSize: 0,
  clusterStatus: 'unreachable',
  connected: false,
  desync: false,
  rejectQueries: '',
  readOnly: false,
});

export interface GaleraNodeLayout {
  readonly index: number;
  readonly binaries: MariaDBBinaries;
  /** Path of libgalera_smm.so. */
  readonly provider: string;
  readonly dir: string;
  readonly datadir: string;
  readonly logFile: string;
  readonly ports: GaleraNodePorts;
  /** Group ports of every node, for wsrep_cluster_address. */
  readonly clusterGroupPorts: readonly number[];
  readonly clusterName: string;
  readonly options: ServerOptions;
  readonly providerOptions: string;
  readonly runAs: { readonly user: string; readonly uid: number; readonly gid: number } | undefined;
  readonly appPassword: string;
}

interface RunningProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

export type WaitForStateTarget = Partial<GaleraNodeStatus> | ((status: GaleraNodeStatus) => boolean);

/** One mariadbd of a Galera cluster the harness owns (see startGaleraCluster). */
export class GaleraNode {
  readonly host = HOST;
  readonly index: number;
  readonly name: string;
  readonly ports: GaleraNodePorts;
  readonly dir: string;
  readonly datadir: string;
  readonly logFile: string;
  /** The fault proxy in front of this node's SQL port, when the cluster was started with `proxies: true`. */
  proxy: FaultProxy | undefined;

  readonly #layout: GaleraNodeLayout;
  /** Where this node receives a state transfer: the layout's ports at first, fresh ones at each start(). */
  #transferPorts: { ist: number; sst: number };
  readonly #admin: AdminClient;
  #process: RunningProcess | undefined;
  #destroyed = false;

  constructor(layout: GaleraNodeLayout) {
    this.#layout = layout;
    this.#transferPorts = { ist: layout.ports.ist, sst: layout.ports.sst };
    this.index = layout.index;
    this.name = `node${layout.index}`;
    this.ports = layout.ports;
    this.dir = layout.dir;
    this.datadir = layout.datadir;
    this.logFile = layout.logFile;
    this.#admin = new AdminClient(this.adminConnection);
  }

  get port(): number {
    return this.ports.sql;
  }

  get pid(): number | undefined {
    return this.#process?.child.pid;
  }

  get running(): boolean {
    return this.#process !== undefined;
  }

  /** The application user (no SUPER: read_only applies to it), same password on every node. */
  get connection(): ConnectionInfo {
    return {
      host: HOST,
      port: this.ports.sql,
      user: GALERA_APP_USER,
      password: this.#layout.appPassword,
      database: GALERA_APP_DATABASE,
    };
  }

  /** root without a password and without a default database (a database is refused on a non-primary node). */
  get adminConnection(): ConnectionInfo {
    return { host: HOST, port: this.ports.sql, user: 'root', password: '', database: '' };
  }

  /** Runs one statement as root on this node. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.#admin.query<T>(sql, params);
  }

  /** The node's wsrep view; never throws (an unreachable node reports `reachable: false`). */
  async status(): Promise<GaleraNodeStatus> {
    if (!this.#process) return UNREACHABLE;
    try {
      const rows = await this.#admin.query<{ Variable_name: string; Value: string }>(
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state', 'wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_status', 'wsrep_connected')",
      );
      const vars = await this.#admin.query<{ Variable_name: string; Value: string }>(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_desync', 'wsrep_reject_queries', 'read_only')",
      );
      const value = new Map(
        [...rows, ...vars].map((row) => [row.Variable_name.toLowerCase(), String(row.Value)]),
      );
      return {
        reachable: true,
        ready: value.get('wsrep_ready') === 'ON',
        localState: Number(value.get('wsrep_local_state') ?? 0),
        localStateComment: value.get('wsrep_local_state_comment') ?? '',
        clusterSize: Number(value.get('wsrep_cluster_size') ?? 0),
        clusterStatus: value.get('wsrep_cluster_status') ?? '',
        connected: value.get('wsrep_connected') === 'ON',
        desync: value.get('wsrep_desync') === 'ON',
        rejectQueries: value.get('wsrep_reject_queries') ?? '',
        readOnly: value.get('read_only') === 'ON',
      };
    } catch {
      return UNREACHABLE;
    }
  }

  /**
   * Polls status() until it matches `target` (the listed fields equal, or the predicate holds); throws
   * HARNESS_TIMEOUT with the last status and the log tail after `timeoutMs`. Returns the matching status.
   */
  async waitForState(target: WaitForStateTarget, timeoutMs = 60_000): Promise<GaleraNodeStatus> {
    const matches =
      typeof target === 'function'
        ? target
        : (status: GaleraNodeStatus) =>
            Object.entries(target).every(([key, want]) => status[key as keyof GaleraNodeStatus] === want);
    const deadline = Date.now() + timeoutMs;
    let last: GaleraNodeStatus = UNREACHABLE;
    for (;;) {
      last = await this.status();
      if (matches(last)) return last;
      if (Date.now() >= deadline) break;
      await delay(POLL_MS);
    }
    const wanted = typeof target === 'function' ? 'the expected state' : JSON.stringify(target);
    throw new HarnessError(
      'HARNESS_TIMEOUT',
      `${this.name} (port ${this.port}) did not reach ${wanted} within ${timeoutMs} ms; last status ${JSON.stringify(last)}\n--- last lines of ${this.name}'s log ---\n${await this.logTail()}`,
    );
  }

  /** Synced (state 4), ready, and sees `clusterSize` members. */
  waitForSynced(clusterSize: number, timeoutMs = 60_000): Promise<GaleraNodeStatus> {
    return this.waitForState(
      { ready: true, localState: 4, clusterSize, clusterStatus: 'Primary' },
      timeoutMs,
    );
  }

  /** Cuts this node off the group channel: non-Primary within seconds, queries then fail with 1047. */
  async isolate(): Promise<void> {
    await this.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'");
  }

  /** Ends isolate(): the node reconnects and resynchronises (IST). */
  async rejoin(): Promise<void> {
    await this.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'");
  }

  /** wsrep_desync: the node leaves flow control (state 2, Donor/Desynced) but keeps serving. */
  async desync(on: boolean): Promise<void> {
    await this.query(`SET GLOBAL wsrep_desync = ${on ? 'ON' : 'OFF'}`);
  }

  async rejectQueries(mode: 'ALL' | 'NONE' | 'ALL_KILL'): Promise<void> {
    if (!['ALL', 'NONE', 'ALL_KILL'].includes(mode)) {
      throw new HarnessError(
        'HARNESS_INVALID_ARGUMENT',
        `rejectQueries: expected ALL, NONE or ALL_KILL, got ${mode}`,
      );
    }
    await this.query(`SET GLOBAL wsrep_reject_queries = ${mode}`);
  }

  async setReadOnly(on: boolean): Promise<void> {
    await this.query(`SET GLOBAL read_only = ${on ? 1 : 0}`);
  }

  /** The last lines of this node's error log (mariadbd's stdout/stderr and the SST scripts' output too). */
  logTail(lines = 40): Promise<string> {
    return readLogTail(this.logFile, 0, lines);
  }

  /**
   * Starts mariadbd and waits until it answers SQL (a joiner answers only after its SST). Does not wait
   * for Synced: the caller decides (waitForSynced). `bootstrap` adds --wsrep-new-cluster (first node, first start).
   */
  async launch(timeoutMs: number, bootstrap = false): Promise<void> {
    if (this.#destroyed) throw new HarnessError('HARNESS_DESTROYED', `${this.name} was destroyed`);
    if (this.#process) {
      throw new HarnessError('HARNESS_INVALID_STATE', `${this.name} is already running: kill() it first`);
    }
    const logOffset = await fileSize(this.logFile);
    const tmpdir = join(this.dir, 'tmp');
    mkdirSync(tmpdir, { recursive: true });
    const { runAs } = this.#layout;
    if (runAs) chownSync(tmpdir, runAs.uid, runAs.gid);
    const { command, args } = this.#commandLine(bootstrap);
    const logFd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      // Its own process group: kill() takes the SST script and its rsync daemon down with mariadbd.
      child = spawn(command, args, { stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    reapOnExit(child);
    const pgid = child.pid;
    if (pgid !== undefined) reapGroupOnExit(pgid);
    let exitInfo: string | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = signal ?? `code ${code}`;
        resolve();
      });
      child.once('error', (error) => {
        exitInfo = error.message;
        resolve();
      });
    });
    const running: RunningProcess = { child, exited };
    this.#process = running;
    void exited.then(() => {
      // Its helpers go with it; then the group id is forgotten: once the group is empty the kernel may
      // hand the number to a new process (pid_max is 32768 here), and a later kill of this group (at
      // process exit) would hit another worker's node.
      if (pgid !== undefined) {
        killGroup(pgid);
        releaseGroup(pgid);
      }
      if (this.#process === running) this.#process = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && exitInfo === undefined) {
      if (await this.#answers(Math.max(200, Math.min(2_000, deadline - Date.now())))) return;
      await delay(POLL_MS);
    }
    const reason =
      exitInfo === undefined
        ? `did not answer within ${timeoutMs} ms`
        : `exited (${exitInfo}) before answering`;
    await this.kill();
    throw new MariaDBStartError(
      'HARNESS_START_FAILED',
      `Galera ${this.name} (port ${this.port}, ${this.datadir}) ${reason}`,
      await readLogTail(this.logFile, logOffset, 40),
    );
  }

  /** SIGKILL the node (and its helpers); waits until it is gone; keeps the datadir. */
  async kill(): Promise<void> {
    await this.#admin.reset();
    const running = this.#process;
    if (!running) return;
    const pgid = running.child.pid;
    if (pgid !== undefined) killGroup(pgid);
    running.child.kill('SIGKILL');
    await Promise.race([running.exited, delay(KILL_TIMEOUT_MS, undefined, { ref: false })]);
    if (pgid !== undefined) releaseGroup(pgid);
    if (this.#process === running) this.#process = undefined;
  }

  /** Starts the node again after kill(): it rejoins the cluster (IST when the gcache still covers it). */
  async start(options: { readonly timeoutMs?: number; readonly clusterSize?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    // The IST and SST ports are bound only during a state transfer: picked at cluster start, they may
    // belong to another process by now (a full CI run starts hundreds of servers), and the joiner's
    // rsync daemon then dies at once ("terminated unexpectedly") and the node aborts. Fresh ones per
    // start (donors learn them from the joiner's request), and one more try if the transfer still fails.
    for (let attempt = 1; ; attempt++) {
      this.#transferPorts = { ist: await findFreePort(HOST), sst: await findFreePort(HOST) };
      try {
        await this.launch(Math.max(1_000, deadline - Date.now()));
        break;
      } catch (error) {
        const transferFailed = error instanceof MariaDBStartError && /SST|IST/.test(error.message);
        if (attempt >= 2 || !transferFailed || Date.now() >= deadline) throw error;
        await this.kill();
      }
    }
    await this.waitForSynced(
      options.clusterSize ?? this.#layout.clusterGroupPorts.length,
      Math.max(1_000, deadline - Date.now()),
    );
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    await this.kill();
  }

  #commandLine(bootstrap: boolean): { command: string; args: string[] } {
    const { binaries, datadir, dir, logFile, ports, clusterGroupPorts, clusterName, options, runAs } =
      this.#layout;
    const { ist, sst } = this.#transferPorts;
    const providerOptions = [
      `gmcast.listen_addr=tcp://${HOST}:${ports.group}`,
      `ist.recv_addr=${HOST}:${ist}`,
      'gcache.size=16M',
      this.#layout.providerOptions,
    ]
      .filter(Boolean)
      .join(';');
    const serverArgs = [
      '--no-defaults', // must come first
      `--datadir=${datadir}`,
      `--port=${ports.sql}`,
      `--bind-address=${HOST}`,
      `--socket=${dir}/mysqld.sock`,
      `--pid-file=${dir}/mysqld.pid`,
      `--log-error=${logFile}`,
      // Its own (see LocalMariaDBServer): a starting mariadbd deletes every '#sql*' file in its tmpdir.
      `--tmpdir=${dir}/tmp`,
      ...toCommandLine(options),
      '--wsrep-on=ON',
      `--wsrep-provider=${this.#layout.provider}`,
      `--wsrep-cluster-name=${clusterName}`,
      `--wsrep-cluster-address=gcomm://${clusterGroupPorts.map((port) => `${HOST}:${port}`).join(',')}`,
      `--wsrep-node-name=${this.name}`,
      `--wsrep-node-address=${HOST}:${ports.group}`,
      `--wsrep-node-incoming-address=${HOST}:${ports.sql}`,
      `--wsrep-provider-options=${providerOptions}`,
      '--wsrep-sst-method=rsync',
      `--wsrep-sst-receive-address=${HOST}:${sst}`,
      '--binlog-format=ROW',
      '--innodb-autoinc-lock-mode=2',
      ...(bootstrap ? ['--wsrep-new-cluster'] : []),
    ];
    // PR_SET_PDEATHSIG is cleared when a process changes its uid, so mariadbd must not drop privileges
    // itself (--user): setpriv switches to the mysql user first, then sets the parent-death signal.
    if (binaries.setpriv) {
      const identity = runAs ? [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--init-groups'] : [];
      return {
        command: binaries.setpriv,
        args: [...identity, '--pdeathsig', 'KILL', '--', binaries.mariadbd, ...serverArgs],
      };
    }
    return {
      command: binaries.mariadbd,
      args: [...serverArgs, ...(runAs ? [`--user=${runAs.user}`] : [])],
    };
  }

  /** True once *this* node's mariadbd answers root: another server that grabbed the port does not count. */
  async #answers(connectTimeout: number): Promise<boolean> {
    let connection: Awaited<ReturnType<typeof createConnection>> | undefined;
    try {
      connection = await createConnection({ host: HOST, port: this.ports.sql, user: 'root', connectTimeout });
      const [rows] = await connection.query('SELECT @@datadir AS datadir');
      const datadir = (rows as { datadir?: string }[])[0]?.datadir ?? '';
      return resolvePath(datadir) === resolvePath(this.datadir);
    } catch {
      return false;
    } finally {
      connection?.destroy();
    }
  }
}
