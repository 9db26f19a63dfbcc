import { setTimeout as delay } from 'node:timers/promises';
import type { GaleraCluster, GaleraNode, MariaDBServer, ReplicationPair } from '@goneaway/test-harness';
import type { GoalId } from './cluster-goals.js';

/** What a scenario's fault did, and when (performance.now()). */
export interface FaultMarks {
  /** The failing node really stopped serving (a kill returned, the node went non-primary…). */
  readonly failedAt?: number;
  /** A writer accepts writes again (the new primary promoted, the old one writable again). */
  readonly writableAt?: number;
  /** The rejoining node reached Synced. */
  readonly syncedAt?: number;
}

/** The servers a scenario acts on. */
export type ClusterStage =
  | {
      readonly topology: 'galera';
      readonly cluster: GaleraCluster;
      /** The node the fault hits: the writer goneaway elects, first in the bare sides' host lists. */
      readonly node: GaleraNode;
    }
  | {
      readonly topology: 'replication';
      readonly pair: ReplicationPair;
      /** The primary when the scenario began. */
      readonly node: MariaDBServer;
    };

export interface ClusterScenario {
  /** Stable id for `--only` and the JSON. */
  readonly id: string;
  readonly title: string;
  /** The fault, one line. */
  readonly cause: string;
  readonly topology: 'galera' | 'replication';
  /** Every side connects through the fault proxies in front of the nodes. */
  readonly proxied?: boolean;
  /** A writer's writability is probed from the fault on (a root INSERT on the next writer, in a loop). */
  readonly probeWritable?: boolean;
  /** The goals of issue #17 this scenario is judged on. */
  readonly goals: readonly GoalId[];
  /** How long the workload keeps running once `inject` returned. */
  readonly observeMs: number;
  /** Before the clients open (the rejoin scenario takes the node down first). */
  prepare?(stage: ClusterStage): Promise<void>;
  /** The fault itself; resolves once it has happened, with its marks. */
  inject(stage: ClusterStage): Promise<FaultMarks>;
  /** Puts the servers back as they were (every node Synced, no proxy fault) for the next scenario. */
  heal(stage: ClusterStage): Promise<void>;
}

function galeraOf(stage: ClusterStage): { cluster: GaleraCluster; node: GaleraNode } {
  if (stage.topology !== 'galera') throw new Error('a Galera scenario ran on a replication pair');
  return stage;
}

function pairOf(stage: ClusterStage): { pair: ReplicationPair; node: MariaDBServer } {
  if (stage.topology !== 'replication') throw new Error('a replication scenario ran on a Galera cluster');
  return stage;
}

const SYNCED_TIMEOUT_MS = 120_000;

async function restartAndSync(cluster: GaleraCluster, node: GaleraNode): Promise<void> {
  if (!node.running) await node.start({ timeoutMs: SYNCED_TIMEOUT_MS });
  await cluster.waitForSynced({ timeoutMs: SYNCED_TIMEOUT_MS });
}

/** The six faults of issue #17 ("Numbers to reach"), in its order. */
export const CLUSTER_SCENARIOS: readonly ClusterScenario[] = [
  {
    id: 'node-crash',
    title: 'Galera node crash',
    cause:
      'the writer node is SIGKILLed: its sockets are reset, it stays down (Galera stalls writes until it evicts it)',
    topology: 'galera',
    probeWritable: true,
    goals: ['detect-crash', 'read-gap', 'first-write', 'no-raw-errors', 'no-lost', 'no-hung', 'no-uncaught'],
    observeMs: 20_000,
    async inject(stage) {
      const { node } = galeraOf(stage);
      await node.kill();
      return { failedAt: performance.now() };
    },
    heal: async (stage) => {
      const { cluster, node } = galeraOf(stage);
      await restartAndSync(cluster, node);
    },
  },
  {
    id: 'node-isolated',
    title: 'Galera node isolated',
    cause: 'the writer node is cut from the group (gmcast.isolate): it turns non-primary, answers 1047',
    topology: 'galera',
    probeWritable: true,
    goals: [
      'read-gap',
      'first-write',
      'no-raw-errors',
      'no-refused-writes',
      'no-lost',
      'no-hung',
      'no-uncaught',
    ],
    observeMs: 12_000,
    async inject(stage) {
      const { node } = galeraOf(stage);
      await node.isolate();
      await node.waitForState((status) => status.reachable && !status.ready, 60_000);
      return { failedAt: performance.now() };
    },
    heal: async (stage) => {
      const { cluster, node } = galeraOf(stage);
      await node.rejoin();
      await cluster.waitForSynced({ timeoutMs: SYNCED_TIMEOUT_MS });
    },
  },
  {
    id: 'node-blackholed',
    title: 'Galera node blackholed',
    cause: 'the proxy in front of the writer goes silent: sockets stay open, nothing answers, no RST',
    topology: 'galera',
    proxied: true,
    goals: ['detect-blackhole', 'read-gap', 'no-raw-errors', 'no-lost', 'no-hung', 'no-uncaught'],
    observeMs: 6_000,
    async inject(stage) {
      const { node } = galeraOf(stage);
      node.proxy?.setLatency(3_600_000);
      node.proxy?.blackholeExisting();
      return { failedAt: performance.now() };
    },
    heal: async (stage) => {
      const { cluster } = galeraOf(stage);
      for (const each of cluster.nodes) {
        each.proxy?.setLatency(0);
        each.proxy?.resetAll();
      }
    },
  },
  {
    id: 'switchover',
    title: 'Planned switchover',
    cause: 'primary/replica: read_only on the primary, the replica catches up and is promoted',
    topology: 'replication',
    goals: ['first-write', 'no-raw-errors', 'no-refused-writes', 'no-lost', 'no-hung', 'no-uncaught'],
    observeMs: 4_000,
    async inject(stage) {
      const { pair } = pairOf(stage);
      const began = performance.now();
      const { writeDowntimeMs } = await pair.switchover();
      return { failedAt: began, writableAt: began + writeDowntimeMs };
    },
    // The roles stay swapped: the next replication scenario starts from the new primary.
    heal: async (stage) => {
      await pairOf(stage).pair.waitForCatchUp();
    },
  },
  {
    id: 'read-only-flip',
    title: 'Read-only flip',
    cause: 'primary/replica: the primary turns read_only for 3 s (no other writer), then writable again',
    topology: 'replication',
    goals: ['first-write', 'no-refused-writes', 'no-lost', 'no-hung', 'no-uncaught'],
    observeMs: 3_000,
    async inject(stage) {
      const { node } = pairOf(stage);
      await node.query('SET GLOBAL read_only = 1');
      const failedAt = performance.now();
      await delay(3_000);
      await node.query('SET GLOBAL read_only = 0');
      return { failedAt, writableAt: performance.now() };
    },
    heal: async (stage) => {
      const { pair, node } = pairOf(stage);
      await node.query('SET GLOBAL read_only = 0');
      await pair.waitForCatchUp();
    },
  },
  {
    id: 'node-rejoin',
    title: 'Galera node rejoining',
    cause: 'the writer node, down since before the clients started, restarts and rejoins (IST)',
    topology: 'galera',
    goals: [
      'synced-before-traffic',
      'back-after-synced',
      'no-raw-errors',
      'no-lost',
      'no-hung',
      'no-uncaught',
    ],
    observeMs: 5_000,
    async prepare(stage) {
      const { cluster, node } = galeraOf(stage);
      await node.kill();
      await cluster.waitForSynced({ size: cluster.size - 1, timeoutMs: SYNCED_TIMEOUT_MS });
    },
    async inject(stage) {
      const { node } = galeraOf(stage);
      let failed: unknown;
      const started = node.start({ timeoutMs: SYNCED_TIMEOUT_MS }).catch((error: unknown) => {
        failed = error ?? new Error(`${node.name} did not start`);
      });
      // Synced as the node itself reports it, polled while start() waits for the same.
      let syncedAt: number | undefined;
      while (syncedAt === undefined) {
        if (failed !== undefined) throw failed;
        const status = await node.status();
        if (status.ready && status.localState === 4) syncedAt = performance.now();
        else await delay(50);
      }
      await started;
      return { failedAt: syncedAt, syncedAt };
    },
    heal: async (stage) => {
      const { cluster, node } = galeraOf(stage);
      await restartAndSync(cluster, node);
    },
  },
];

export function selectClusterScenarios(only: readonly string[] | undefined): ClusterScenario[] {
  if (!only || only.length === 0) return [...CLUSTER_SCENARIOS];
  const wanted = new Set(only.map((name) => name.trim()).filter((name) => name !== ''));
  const known = (name: string) =>
    CLUSTER_SCENARIOS.some((scenario, index) => scenario.id === name || String(index + 1) === name);
  const unknown = [...wanted].filter((name) => !known(name));
  if (unknown.length > 0) {
    throw new Error(
      `--only: unknown cluster scenario ${unknown.map((name) => `"${name}"`).join(', ')}; expected numbers 1-${CLUSTER_SCENARIOS.length} or ids: ${CLUSTER_SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  }
  return CLUSTER_SCENARIOS.filter(
    (scenario, index) => wanted.has(scenario.id) || wanted.has(String(index + 1)),
  );
}
