import { type GoneAwayEvent, goneAway, stats, subscribeTo } from '@goneaway/knex';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type GaleraCluster,
  type GaleraNode,
  galeraUnavailableReason,
  noControlReason,
  startGaleraCluster,
} from '../../harness/src/index.js';
import {
  describeFailures,
  runWorkload,
  storedOn,
  type WorkloadCalls,
  waitUntil,
} from './failover-workload.js';

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`knex Galera failover tests skipped: ${skipReason}`);

/** The workload's calls through knex: a read that says which node answered, an insert. */
function knexCalls(db: Knex): WorkloadCalls {
  return {
    read: () => portOf(db),
    insert: async (id) => {
      await db('t').insert({ id, note: 'workload' });
    },
  };
}

async function portOf(db: Knex): Promise<number> {
  const [rows] = (await db.raw('SELECT @@port AS port')) as [Array<{ port: number }>];
  return Number(rows[0]?.port);
}

describe.skipIf(skipReason !== undefined)('knex on a 3-node Galera cluster: the writer is isolated', () => {
  let cluster: GaleraCluster;

  beforeAll(async () => {
    cluster = await startGaleraCluster({ nodes: 3, proxies: true });
    await cluster
      .node(1)
      .query('CREATE TABLE goneaway.t (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB');
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  /** Every node back in the primary component, Synced, before the next scenario. */
  async function healed(node: GaleraNode): Promise<void> {
    await node.rejoin();
    await cluster.waitForSynced({ timeoutMs: 90_000 });
  }

  it('goneaway: reads never fail, every write lands on the new writer or fails typed, no write reaches the isolated node; the host list comes from `cluster`', async () => {
    const hosts = cluster.nodes.map((node) => `${node.host}:${node.port}`);
    const events: GoneAwayEvent[] = [];
    const db = knex(
      goneAway(
        { client: 'mysql2', connection: { ...cluster.node(1).connection }, pool: { min: 0, max: 4 } },
        {
          name: 'galera',
          outageBudgetMs: 20_000,
          cluster: { hosts, flavor: 'galera', probeIntervalMs: 250, probeTimeoutMs: 1_000 },
        },
      ),
    );
    subscribeTo(db, (event) => events.push(event));
    let isolated: GaleraNode | undefined;
    try {
      // The monitor elects from every host's answer: let the first probes of all three come in.
      await portOf(db);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const writerPort = await portOf(db);
      const writer = cluster.nodes.find((node) => node.port === writerPort) as GaleraNode;
      expect(writer).toBeDefined();
      const workload = runWorkload(knexCalls(db), 1_000, 4);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const isolatedAt = performance.now();
      const seenBefore = events.length;
      isolated = writer;
      await writer.isolate();
      await waitUntil(
        'a writer-changed event away from the isolated node',
        () =>
          events
            .slice(seenBefore)
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
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const report = await workload.stop();
      const healthy = cluster.nodes.find((node) => node !== writer) as GaleraNode;
      const stored = await storedOn(healthy, report.inserts);
      console.info(
        `[cluster] knex + goneaway, writer ${writer.name} isolated: writer-changed after ${detectedMs} ms; ` +
          `${report.reads} reads, ${report.inserts.length} acknowledged inserts (${stored} stored), ` +
          `failures ${describeFailures(report)}, ` +
          `evictions ${JSON.stringify(stats(db).evictions)}`,
      );
      // Reads are retried on the new writer: none fails.
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      // Every acknowledged insert is on the cluster's primary component, once (a PRIMARY KEY).
      expect(stored).toBe(report.inserts.length);
      // After the detection, every read was answered by another node.
      expect(report.portsAfter.size).toBeGreaterThan(0);
      expect(report.portsAfter.has(writerPort)).toBe(false);
      expect(events.some((event) => event.type === 'host-state-changed')).toBe(true);
      expect(report.reads).toBeGreaterThan(0);
    } finally {
      await db.destroy();
      if (isolated !== undefined) await healed(isolated);
    }
  }, 180_000);

  it('goneaway: the writer goes silent (a blackhole: sockets open, nothing answers) — the probe times out, connections to it are cut, statements in flight end typed or run again, nothing hangs', async () => {
    // The hosts are the fault proxies in front of the nodes: the probes go through them too.
    const proxies = cluster.nodes.map((node) => node.proxy);
    const hosts = proxies.map((proxy) => `127.0.0.1:${proxy?.port}`);
    const events: GoneAwayEvent[] = [];
    const db = knex(
      goneAway(
        {
          client: 'mysql2',
          connection: { ...(proxies[0]?.route(cluster.node(1).connection) ?? cluster.node(1).connection) },
          pool: { min: 0, max: 4 },
        },
        {
          name: 'galera-blackhole',
          outageBudgetMs: 20_000,
          cluster: { hosts, flavor: 'galera', probeIntervalMs: 250, probeTimeoutMs: 1_000 },
        },
      ),
    );
    subscribeTo(db, (event) => events.push(event));
    try {
      await portOf(db);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const writerPort = await portOf(db);
      const writerIndex = cluster.nodes.findIndex((node) => node.port === writerPort);
      const proxy = proxies[writerIndex];
      expect(proxy).toBeDefined();
      const workload = runWorkload(knexCalls(db), 500_000, 4);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const seenBefore = events.length;
      const silencedAt = performance.now();
      // Existing sockets and new connections alike: accepted, never answered.
      proxy?.setLatency(3_600_000);
      proxy?.blackholeExisting();
      await waitUntil(
        'a writer-changed event away from the silent node',
        () =>
          events
            .slice(seenBefore)
            .some(
              (event) =>
                event.type === 'writer-changed' &&
                event.to !== undefined &&
                event.to !== `127.0.0.1:${proxy?.port}`,
            ),
        60_000,
      );
      const detectedMs = Math.round(performance.now() - silencedAt);
      const readsAtDetection = workload.report.reads;
      workload.markAfter();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const report = await workload.stop();
      const stoppedMs = Math.round(performance.now() - silencedAt);
      const healthy = cluster.nodes.find((_, index) => index !== writerIndex) as GaleraNode;
      const stored = await storedOn(healthy, report.inserts);
      console.info(
        `[cluster] knex + goneaway, writer ${cluster.nodes[writerIndex]?.name} blackholed: writer-changed after ${detectedMs} ms, ` +
          `every worker done ${stoppedMs} ms after the blackhole; ${report.reads} reads (${report.reads - readsAtDetection} after the detection), ` +
          `${report.inserts.length} acknowledged inserts (${stored} stored), failures ${describeFailures(report)}, ` +
          `evictions ${JSON.stringify(stats(db).evictions)}`,
      );
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      expect(stored).toBe(report.inserts.length);
      // The pool kept working on the new writer after the detection: no worker hung on the silent node.
      expect(report.reads - readsAtDetection).toBeGreaterThan(0);
      expect(report.portsAfter.has(writerPort)).toBe(false);
    } finally {
      for (const candidate of proxies) {
        candidate?.setLatency(0);
        candidate?.resetAll();
      }
      await db.destroy();
    }
  }, 180_000);

  it('bare knex (control): through the proxy of a node that goes silent, every worker hangs until the sockets are reset', async () => {
    const proxy = cluster.node(2).proxy;
    expect(proxy).toBeDefined();
    const db = knex({
      client: 'mysql2',
      connection: { ...(proxy?.route(cluster.node(2).connection) ?? cluster.node(2).connection) },
      pool: { min: 0, max: 4 },
    });
    try {
      await portOf(db);
      const workload = runWorkload(knexCalls(db), 700_000, 4);
      await new Promise((resolve) => setTimeout(resolve, 500));
      proxy?.setLatency(3_600_000);
      proxy?.blackholeExisting();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = workload.report.reads + workload.report.inserts.length;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const during = workload.report.reads + workload.report.inserts.length - before;
      // Let the hung statements end: the proxy resets every socket.
      proxy?.setLatency(0);
      proxy?.resetAll();
      const report = await workload.stop();
      console.info(
        `[cluster] bare knex, node2 blackholed: ${during} statements completed in the 3 s after it; then, sockets reset: failures ${describeFailures(report)}`,
      );
      expect(during).toBe(0);
    } finally {
      proxy?.setLatency(0);
      proxy?.resetAll();
      await db.destroy();
    }
  }, 180_000);

  it('bare knex (control): pointed at the node that gets isolated, its statements fail with 1047 until the node rejoins', async () => {
    const node = cluster.node(1);
    const db = knex({ client: 'mysql2', connection: { ...node.connection }, pool: { min: 0, max: 4 } });
    try {
      await portOf(db);
      const workload = runWorkload(knexCalls(db), 100_000, 4);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await node.isolate();
      await node.waitForState((status) => status.reachable && !status.ready, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const report = await workload.stop();
      console.info(
        `[cluster] bare knex, ${node.name} isolated: ${report.reads} reads, ${report.inserts.length} inserts, failures ${describeFailures(report)}`,
      );
      expect(
        [...report.failures.keys()].some((code) => code === 'ER_UNKNOWN_COM_ERROR' || code === '1047'),
      ).toBe(true);
    } finally {
      await db.destroy();
      await healed(node);
    }
  }, 180_000);
});
