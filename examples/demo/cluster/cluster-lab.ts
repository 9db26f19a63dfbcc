import {
  canControlServers,
  type GaleraCluster,
  type GaleraNode,
  galeraUnavailableReason,
  type MariaDBServer,
  noControlReason,
  type ReplicationPair,
  startGaleraCluster,
  startReplicationPair,
} from '@goneaway/test-harness';
import { CREATE_LEDGER } from './cluster-sides.js';

/** Why the cluster scenarios cannot run on this machine (undefined: they can). */
export function clusterUnavailableReason(): string | undefined {
  if (!canControlServers) return `the cluster scenarios start their own servers: ${noControlReason}`;
  return galeraUnavailableReason();
}

/** Runs a statement as root on a server of the lab (a Galera node or a server of the pair). */
export interface AdminTarget {
  readonly host: string;
  readonly port: number;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The servers the cluster scenarios share: a 3-node Galera cluster with a fault proxy in front of each
 * node, and a GTID primary/replica pair, each started on first use and reused by every scenario and
 * repetition after it (a cluster takes ~25 s to start).
 */
export class ClusterLab {
  #galera: Promise<GaleraCluster> | undefined;
  #pair: Promise<ReplicationPair> | undefined;
  #nextIdBase = 1_000_000;

  galera(): Promise<GaleraCluster> {
    this.#galera ??= (async () => {
      const cluster = await startGaleraCluster({ nodes: 3, proxies: true });
      await cluster.node(1).query(CREATE_LEDGER);
      await cluster
        .node(1)
        .query('CREATE TABLE goneaway.probe (seq BIGINT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB');
      return cluster;
    })();
    return this.#galera;
  }

  pair(): Promise<ReplicationPair> {
    this.#pair ??= (async () => {
      const pair = await startReplicationPair();
      await pair.primary.query(CREATE_LEDGER);
      await pair.waitForCatchUp();
      return pair;
    })();
    return this.#pair;
  }

  /** The MariaDB version of the lab's servers (the Galera cluster's when it runs, else the pair's). */
  async version(): Promise<string> {
    const source = this.#galera
      ? (await this.#galera).node(1)
      : this.#pair
        ? (await this.#pair).primary
        : undefined;
    if (source === undefined) return 'unknown';
    const [row] = await source.query<{ version: string }>('SELECT VERSION() AS version');
    return String(row?.version ?? 'unknown');
  }

  /** A fresh range of insert ids for one workload (the ledger is shared by every run). */
  idBase(): number {
    this.#nextIdBase += 1_000_000;
    return this.#nextIdBase;
  }

  async close(): Promise<void> {
    const started = [this.#galera, this.#pair].filter((p) => p !== undefined);
    await Promise.allSettled(
      started.map(async (promise) => {
        const servers = await promise;
        await servers.stop();
      }),
    );
  }
}

/**
 * The node a goneaway pool elects as the Galera writer: the Synced, ready node with the lowest
 * `wsrep_local_index` (the rule the monitor applies). The fault hits it, so every side is hit.
 */
export async function galeraWriter(cluster: GaleraCluster): Promise<GaleraNode> {
  let best: { node: GaleraNode; index: number } | undefined;
  for (const node of cluster.nodes) {
    if (!node.running) continue;
    const status = await node.status();
    if (!status.ready || status.localState !== 4) continue;
    const [row] = await node.query<{ Value: string }>("SHOW STATUS LIKE 'wsrep_local_index'");
    const index = Number(row?.Value);
    if (best === undefined || index < best.index) best = { node, index };
  }
  if (best === undefined) throw new Error('no Synced Galera node to fail');
  return best.node;
}

export function serverAddress(server: MariaDBServer | GaleraNode): { host: string; port: number } {
  return { host: server.host, port: server.port };
}
