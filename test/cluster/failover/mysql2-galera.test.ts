import { type GoneAwayEvent, goneAwayMysql2, stats, subscribeTo } from '@goneaway/mysql2';
import mysql2 from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type GaleraCluster,
  type GaleraNode,
  galeraUnavailableReason,
  noControlReason,
  startGaleraCluster,
} from '../../harness/src/index.js';
import { poolOperations, portOf, runWorkload, sleep, summary, waitUntil } from './mysql2-workload.js';

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`mysql2 Galera failover tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('mysql2 on a 3-node Galera cluster: the writer is isolated', () => {
  let cluster: GaleraCluster;

  beforeAll(async () => {
    cluster = await startGaleraCluster({ nodes: 3 });
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

  async function countOn(node: GaleraNode, ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await node.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM goneaway.t WHERE id IN (${ids.map(() => '?').join(',')})`,
      [...ids],
    );
    return Number(rows[0]?.n);
  }

  it('goneaway: reads never fail, every write lands on the new writer or fails typed, no read reaches the isolated node after the detection', async () => {
    const hosts = cluster.nodes.map((node) => `${node.host}:${node.port}`);
    const events: GoneAwayEvent[] = [];
    const pool = goneAwayMysql2(mysql2, {
      name: 'galera-mysql2',
      outageBudgetMs: 20_000,
      cluster: { hosts, flavor: 'galera', probeIntervalMs: 250, probeTimeoutMs: 1_000 },
    }).createPool({ ...cluster.node(1).connection, connectionLimit: 4 });
    subscribeTo(pool, (event) => events.push(event));
    try {
      // The monitor elects from every host's answer: let the first probes of all three come in.
      await portOf(pool);
      await sleep(1_500);
      const writerPort = await portOf(pool);
      const writer = cluster.nodes.find((node) => node.port === writerPort) as GaleraNode;
      expect(writer).toBeDefined();
      const workload = runWorkload(poolOperations(pool, 'goneaway.t'), 1_000, 4);
      await sleep(500);
      const isolatedAt = performance.now();
      const seenBefore = events.length;
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
      await sleep(2_000);
      const report = await workload.stop();
      const healthy = cluster.nodes.find((node) => node !== writer) as GaleraNode;
      const stored = await countOn(healthy, report.inserts);
      console.info(
        `[cluster] mysql2 + goneaway, writer ${writer.name} isolated: writer-changed after ${detectedMs} ms; ` +
          `${summary(report)} (${stored} stored), evictions ${JSON.stringify(stats(pool).evictions)}`,
      );
      // Reads are retried on the new writer: none fails; a write fails only typed.
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      // Every acknowledged insert is on the cluster's primary component, once (a PRIMARY KEY).
      expect(stored).toBe(report.inserts.length);
      // After the detection, every read was answered by another node.
      expect(report.portsAfter.size).toBeGreaterThan(0);
      expect(report.portsAfter.has(writerPort)).toBe(false);
      expect(events.some((event) => event.type === 'host-state-changed')).toBe(true);
      expect(report.reads).toBeGreaterThan(0);
      await healed(writer);
    } finally {
      await pool.end();
    }
  }, 180_000);

  it('bare mysql2 (control): pointed at the node that gets isolated, its statements fail with 1047 until the node rejoins', async () => {
    const node = cluster.node(1);
    const pool = mysql2.createPool({ ...node.connection, connectionLimit: 4 });
    try {
      await portOf(pool);
      const workload = runWorkload(poolOperations(pool, 'goneaway.t'), 100_000, 4);
      await sleep(500);
      await node.isolate();
      await node.waitForState((status) => status.reachable && !status.ready, 60_000);
      await sleep(2_000);
      const report = await workload.stop();
      console.info(`[cluster] bare mysql2, ${node.name} isolated: ${summary(report)}`);
      expect(
        [...report.failures.keys()].some((code) => code === 'ER_UNKNOWN_COM_ERROR' || code === '1047'),
      ).toBe(true);
      await healed(node);
    } finally {
      await pool.end();
    }
  }, 180_000);
});
