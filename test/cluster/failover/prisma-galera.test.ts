import { type GoneAwayEvent, goneAwayPrisma, stats, subscribeTo } from '@goneaway/prisma';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_ITEMS_TABLE,
  type ExamplePrismaClient,
  generatePrismaClient,
  type PrismaClientConstructor,
} from '../../../examples/prisma/generate-client.js';
import {
  canControlServers,
  type GaleraCluster,
  type GaleraNode,
  galeraUnavailableReason,
  noControlReason,
  startGaleraCluster,
} from '../../harness/src/index.js';
import { describeFailures, runWorkload, sleep, storedOn, waitUntil } from './failover-workload.js';
import { prismaCalls, settingsOf } from './prisma-workload.js';

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`Prisma Galera failover tests skipped: ${skipReason}`);

/** `Com_kill` of each node: the KILL statements it ran. */
async function killsOn(nodes: readonly GaleraNode[]): Promise<number[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const rows = await node.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Com_kill'");
      return Number(rows[0]?.Value);
    }),
  );
}

async function portOf(prisma: ExamplePrismaClient): Promise<number> {
  const rows = await prisma.$queryRawUnsafe<Array<{ port: bigint | number }>>('SELECT @@port AS port');
  return Number(rows[0]?.port);
}

describe.skipIf(skipReason !== undefined)('Prisma on a 3-node Galera cluster: the writer is isolated', () => {
  let cluster: GaleraCluster;
  let PrismaClient: PrismaClientConstructor;

  beforeAll(async () => {
    const [started, generated] = await Promise.all([
      startGaleraCluster({ nodes: 3 }),
      generatePrismaClient(),
    ]);
    cluster = started;
    PrismaClient = generated.PrismaClient;
    await cluster.node(1).query(CREATE_ITEMS_TABLE.replace('exists t', 'exists goneaway.t'));
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  /** Every node back in the primary component, Synced, before the next scenario. */
  async function healed(node: GaleraNode): Promise<void> {
    await node.rejoin();
    await cluster.waitForSynced({ timeoutMs: 90_000 });
  }

  it('goneaway: the client moves to a node of the primary component; every failure is typed, every acknowledged insert is stored once, no statement reaches the isolated node after the detection', async () => {
    const events: GoneAwayEvent[] = [];
    const adapter = goneAwayPrisma(settingsOf(cluster.node(1)), {
      name: 'galera-prisma',
      outageBudgetMs: 20_000,
      cluster: {
        hosts: cluster.nodes.map((node) => `${node.host}:${node.port}`),
        flavor: 'galera',
        probeIntervalMs: 250,
        probeTimeoutMs: 1_000,
      },
    });
    subscribeTo(adapter, (event) => events.push(event));
    const prisma = new PrismaClient({ adapter });
    try {
      // The monitor elects from every host's answer: let the first probes of all three come in.
      await portOf(prisma);
      await sleep(1_500);
      const writerPort = await portOf(prisma);
      const writer = cluster.nodes.find((node) => node.port === writerPort) as GaleraNode;
      expect(writer).toBeDefined();
      const workload = runWorkload(prismaCalls(prisma), 1_000, 4);
      // A statement still running on the writer when it is cut off: goneaway ends its connection. mariadb
      // would KILL the statement from a new connection, which a routed pool opens to the cluster's
      // writer of the moment: another node, where that thread id is someone else's (or none, and the
      // failed KILL is a promise rejection nobody handles).
      const rejections: unknown[] = [];
      const onRejection = (reason: unknown) => rejections.push(reason);
      process.on('unhandledRejection', onRejection);
      const others = cluster.nodes.filter((node) => node !== writer);
      const killsBefore = await killsOn(others);
      const inFlight = prisma
        .$queryRawUnsafe<Array<{ port: bigint | number }>>('SELECT SLEEP(10) AS slept, @@port AS port')
        .then(
          (rows) => ({ answeredBy: Number(rows[0]?.port) }),
          (error: unknown) => ({ error }),
        );
      await sleep(500);
      const seen = events.length;
      const isolatedAt = performance.now();
      await writer.isolate();
      await waitUntil(
        'a writer-changed event away from the isolated node',
        () =>
          events
            .slice(seen)
            .some(
              (event) =>
                event.type === 'writer-changed' &&
                event.to !== undefined &&
                !String(event.to).endsWith(`:${writerPort}`),
            ),
        60_000,
      );
      const detectedMs = Math.round(performance.now() - isolatedAt);
      workload.markAfter();
      await sleep(2_000);
      const report = await workload.stop();
      // The read in flight was cut with its connection and run again on the new writer (or, had it
      // been a write, failed typed); no KILL reached another node, nothing was left unhandled.
      const ended = await Promise.race([inFlight, sleep(20_000).then(() => undefined)]);
      process.off('unhandledRejection', onRejection);
      expect(ended).toBeDefined();
      if (ended !== undefined && 'error' in ended)
        expect(String((ended.error as { code?: unknown }).code)).toMatch(/^GONEAWAY_/);
      else expect(ended?.answeredBy).not.toBe(writerPort);
      expect(await killsOn(others)).toEqual(killsBefore);
      expect(rejections).toEqual([]);
      const healthy = cluster.nodes.find((node) => node !== writer) as GaleraNode;
      const stored = await storedOn(healthy, report.inserts);
      const clusterStats = stats(adapter).cluster;
      console.info(
        `[galera] Prisma + goneaway, writer ${writer.name} isolated: writer-changed after ${detectedMs} ms; ` +
          `${report.reads} reads, ${report.inserts.length} acknowledged inserts (${stored} stored), failures ${describeFailures(report)}; ` +
          `evictions ${JSON.stringify(stats(adapter).evictions)}; hosts ${JSON.stringify(clusterStats?.hosts.map((host) => [host.host, host.state]))}`,
      );
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      // Every acknowledged insert is on the primary component, once (a PRIMARY KEY).
      expect(stored).toBe(report.inserts.length);
      expect(report.inserts.length).toBeGreaterThan(0);
      // After the detection, every read was answered by another node.
      expect(report.portsAfter.size).toBeGreaterThan(0);
      expect(report.portsAfter.has(writerPort)).toBe(false);
      expect(clusterStats?.writer).not.toBe(`${writer.host}:${writer.port}`);
      expect(
        clusterStats?.hosts.find((host) => host.host === `${writer.host}:${writer.port}`)?.state,
      ).not.toBe('up');
      await healed(writer);
    } finally {
      await prisma.$disconnect();
    }
  }, 180_000);

  it('bare Prisma (control): pointed at the node that gets isolated, its statements fail with 1047 until the node rejoins', async () => {
    const node = cluster.node(1);
    const prisma = new PrismaClient({ adapter: new PrismaMariaDb(settingsOf(node)) });
    try {
      await portOf(prisma);
      const workload = runWorkload(prismaCalls(prisma), 100_000, 4);
      await sleep(500);
      await node.isolate();
      await node.waitForState((status) => status.reachable && !status.ready, 60_000);
      await sleep(2_000);
      const report = await workload.stop();
      console.info(
        `[galera] bare Prisma, ${node.name} isolated: ${report.reads} reads, ${report.inserts.length} inserts, failures ${describeFailures(report)}`,
      );
      expect([...report.messages.values()].some((message) => /1047|WSREP/.test(message))).toBe(true);
      await healed(node);
    } finally {
      await prisma.$disconnect();
    }
  }, 180_000);
});
