import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { releaseDirectory, removeOnExit } from './child-reaper.js';
import { startFaultProxy } from './fault-proxy.js';
import { findMariaDBBinaries } from './find-mariadb-binaries.js';
import { findFreePort } from './free-port.js';
import {
  GALERA_OS_USER,
  GaleraNotInstalledError,
  galeraOsUser,
  galeraProvider,
  galeraUnavailableReason,
  isRoot,
} from './galera-availability.js';
import { GALERA_APP_DATABASE, GALERA_APP_USER, GaleraNode, type GaleraNodePorts } from './galera-node.js';
import { galeraSeedDatadir } from './galera-seed.js';
import { HarnessError } from './harness-error.js';
import { copyTemplate, templateDatadir } from './mariadb-datadir.js';
import {
  DEFAULT_SERVER_OPTIONS,
  initTimeOptions,
  mergeServerOptions,
  type ServerOptions,
} from './server-options.js';

const execFileAsync = promisify(execFile);
const HOST = '127.0.0.1';

export interface StartGaleraClusterOptions {
  /** How many nodes (default 3; at least 2). */
  readonly nodes?: number;
  /** Extra mariadbd options for every node; they win over the defaults (not over the wsrep settings). */
  readonly serverOptions?: ServerOptions;
  /** Extra wsrep_provider_options, `;`-separated (e.g. `evs.suspect_timeout=PT3S`). */
  readonly providerOptions?: string;
  /** A FaultProxy in front of each node's SQL port (`node.proxy`). Default false. */
  readonly proxies?: boolean;
  /** Deadline for the whole start, every node Synced (default 180 000 ms: a joiner's SST takes ~10 s idle). */
  readonly startTimeoutMs?: number;
}

export interface GaleraClusterTimings {
  /** Ports, datadirs and template copies. */
  readonly prepareMs: number;
  /** node1 with --wsrep-new-cluster until it answers. */
  readonly bootstrapMs: number;
  /** Each joiner from spawn to Synced (its IST included), in node order from node2. */
  readonly joinMs: readonly number[];
  readonly totalMs: number;
}

export interface GaleraCluster extends AsyncDisposable {
  readonly nodes: readonly GaleraNode[];
  readonly size: number;
  /** The OS user the nodes run as (`mysql` when this process is root, else the current user). */
  readonly runsAs: string;
  readonly timings: GaleraClusterTimings;
  /** `node(1)` is the bootstrap node (1-based, like the node names). */
  node(index: number): GaleraNode;
  /** Waits until every running node is Synced, ready and sees `size` members (default: all nodes). */
  waitForSynced(options?: { readonly size?: number; readonly timeoutMs?: number }): Promise<void>;
  /** SIGKILLs every node, closes the proxies, deletes the temp dir; idempotent. */
  stop(): Promise<void>;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort(HOST));
  return [...ports];
}

/**
 * Starts a Galera cluster of private mariadbd nodes on 127.0.0.1 (node1 bootstraps from the Galera seed
 * datadir, the others join by IST one after the other) and resolves once every node is Synced with the full cluster size.
 * Throws GaleraNotInstalledError when galera-4/rsync are missing (tests skip on galeraUnavailableReason()).
 * MYSQL_URL is ignored: a cluster is always the harness's own.
 */
export async function startGaleraCluster(options: StartGaleraClusterOptions = {}): Promise<GaleraCluster> {
  const size = options.nodes ?? 3;
  if (!Number.isInteger(size) || size < 2 || size > 9) {
    throw new HarnessError('HARNESS_INVALID_ARGUMENT', `nodes must be an integer from 2 to 9, got ${size}`);
  }
  const startTimeoutMs = options.startTimeoutMs ?? 180_000;
  if (!Number.isFinite(startTimeoutMs) || startTimeoutMs <= 0) {
    throw new HarnessError(
      'HARNESS_INVALID_ARGUMENT',
      `startTimeoutMs must be a positive number, got ${startTimeoutMs}`,
    );
  }
  const unavailable = galeraUnavailableReason();
  if (unavailable) throw new GaleraNotInstalledError(unavailable);
  const deadline = Date.now() + startTimeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(options, size, deadline);
    } catch (error) {
      // Four ports a node are probed long before the last node binds them: another process may take one.
      const portTaken = error instanceof PortTaken;
      if (!portTaken || attempt === PORT_ATTEMPTS || Date.now() >= deadline) {
        throw portTaken ? error.cause : error;
      }
    }
  }
}

/** A node could not bind one of its ports: the start is worth trying again on other ports. */
class PortTaken extends Error {}

const PORT_ATTEMPTS = 3;
const PORT_IN_USE = /Address already in use|errno: 98\b|EADDRINUSE|Failed to listen/i;

async function startOnce(
  options: StartGaleraClusterOptions,
  size: number,
  deadline: number,
): Promise<GaleraCluster> {
  const started = performance.now();
  const remaining = (): number => Math.max(1_000, deadline - Date.now());

  const binaries = await findMariaDBBinaries();
  const osUser = isRoot() ? galeraOsUser() : undefined;
  const runAs = osUser ? { user: GALERA_OS_USER, ...osUser } : undefined;
  const serverOptions = mergeServerOptions(
    DEFAULT_SERVER_OPTIONS,
    // Galera keeps its own write sets; a bigger pool than a single test server's, as NOTES-galera.md measured.
    { innodb_buffer_pool_size: '32M', log_bin: false },
    options.serverOptions,
  );
  const dir = await mkdtemp(join(tmpdir(), 'goneaway-galera-'));
  removeOnExit(dir);
  const nodes: GaleraNode[] = [];
  const cluster = new LocalGaleraCluster(dir, nodes, runAs?.user ?? currentUserName());
  try {
    const allPorts = await distinctFreePorts(size * 4);
    const portsOf = (i: number): GaleraNodePorts => ({
      sql: allPorts[i * 4] as number,
      group: allPorts[i * 4 + 1] as number,
      ist: allPorts[i * 4 + 2] as number,
      sst: allPorts[i * 4 + 3] as number,
    });
    const template = await galeraSeedDatadir(
      binaries,
      await templateDatadir(binaries, initTimeOptions(serverOptions)),
      serverOptions,
      runAs,
    );
    const clusterName = `goneaway-${randomBytes(4).toString('hex')}`;
    const appPassword = randomBytes(16).toString('hex');
    for (let i = 0; i < size; i += 1) {
      const nodeDir = join(dir, `node${i + 1}`);
      const datadir = join(nodeDir, 'data');
      // Every node starts from the same seed: one Galera state, so joining needs no state transfer.
      await copyTemplate(template, datadir);
      const logFile = join(nodeDir, 'error.log');
      await writeFile(logFile, '');
      nodes.push(
        new GaleraNode({
          index: i + 1,
          binaries,
          provider: galeraProvider() ?? '',
          dir: nodeDir,
          datadir,
          logFile,
          ports: portsOf(i),
          clusterGroupPorts: allPorts.filter((_, k) => k % 4 === 1),
          clusterName,
          options: serverOptions,
          providerOptions: options.providerOptions ?? '',
          runAs,
          appPassword,
        }),
      );
    }
    // The rsync daemon of an SST runs as the node's user and must write the datadir.
    if (runAs) await execFileAsync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, dir]);
    const prepared = performance.now();

    const [first, ...joiners] = nodes as [GaleraNode, ...GaleraNode[]];
    await first.launch(remaining(), true);
    await first.waitForSynced(1, remaining());
    const bootstrapped = performance.now();

    // The joiners' position is the group's but for the views (each one a seqno in Galera 4): each
    // catches up by IST, a moment. One at a time: two joining at once keep the group membership
    // protocol busy for seconds longer than two joins in a row take.
    const joinMs: number[] = [];
    for (const [k, node] of joiners.entries()) {
      const joinStarted = performance.now();
      await node.launch(remaining());
      await node.waitForSynced(k + 2, remaining());
      joinMs.push(Math.round(performance.now() - joinStarted));
    }
    await cluster.waitForSynced({ timeoutMs: remaining() });
    // Replicated to every node (users and grants are DDL: total order isolation).
    await createApplicationUser(first, appPassword);
    if (options.proxies) {
      for (const node of nodes) node.proxy = await startFaultProxy(node.port);
    }
    cluster.timings = Object.freeze({
      prepareMs: Math.round(prepared - started),
      bootstrapMs: Math.round(bootstrapped - prepared),
      joinMs: Object.freeze(joinMs),
      totalMs: Math.round(performance.now() - started),
    });
    return cluster;
  } catch (error) {
    const logs = await Promise.all(nodes.map((node) => node.logTail(200)));
    await cluster.stop();
    if (logs.some((log) => PORT_IN_USE.test(log))) throw new PortTaken('a port was taken', { cause: error });
    throw error;
  }
}

function currentUserName(): string {
  return process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? '?'}`;
}

async function createApplicationUser(node: GaleraNode, password: string): Promise<void> {
  const connection = await createConnection({ host: HOST, port: node.port, user: 'root' });
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${GALERA_APP_DATABASE}\``);
    await connection.query('CREATE USER ?@? IDENTIFIED BY ?', [GALERA_APP_USER, '%', password]);
    // No SUPER (nor READ_ONLY ADMIN): read_only must apply to the application user.
    await connection.query(`GRANT ALL PRIVILEGES ON \`${GALERA_APP_DATABASE}\`.* TO ?@?`, [
      GALERA_APP_USER,
      '%',
    ]);
    await connection.query('GRANT PROCESS ON *.* TO ?@?', [GALERA_APP_USER, '%']);
  } finally {
    await connection.end();
  }
}

class LocalGaleraCluster implements GaleraCluster {
  readonly nodes: readonly GaleraNode[];
  readonly runsAs: string;
  timings: GaleraClusterTimings = { prepareMs: 0, bootstrapMs: 0, joinMs: [], totalMs: 0 };
  readonly #dir: string;
  #stopped: Promise<void> | undefined;

  constructor(dir: string, nodes: GaleraNode[], runsAs: string) {
    this.#dir = dir;
    this.nodes = nodes;
    this.runsAs = runsAs;
  }

  get size(): number {
    return this.nodes.length;
  }

  node(index: number): GaleraNode {
    const node = this.nodes[index - 1];
    if (!node) {
      throw new HarnessError(
        'HARNESS_INVALID_ARGUMENT',
        `no node ${index}: the cluster has ${this.size} nodes`,
      );
    }
    return node;
  }

  async waitForSynced(options: { readonly size?: number; readonly timeoutMs?: number } = {}): Promise<void> {
    const size = options.size ?? this.size;
    const timeoutMs = options.timeoutMs ?? 90_000;
    await Promise.all(
      this.nodes.filter((node) => node.running).map((node) => node.waitForSynced(size, timeoutMs)),
    );
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await Promise.all(this.nodes.map((node) => node.proxy?.close()));
      await Promise.all(this.nodes.map((node) => node.destroy()));
      if (!process.env.GONEAWAY_KEEP_SERVER_DIRS) {
        await rm(this.#dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      }
      releaseDirectory(this.#dir);
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
