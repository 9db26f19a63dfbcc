import { type ClusterOptions, goneAway, stats } from '@goneaway/knex';
import { goneAwayMysql2, stats as poolStats } from '@goneaway/mysql2';
import knex, { type Knex } from 'knex';
import mysql2, { type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type GaleraCluster,
  type GaleraNode,
  galeraUnavailableReason,
  noControlReason,
  startGaleraCluster,
} from '../../harness/src/index.js';
import { describeFailures, runWorkload, sleep, waitUntil } from '../failover/failover-workload.js';

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`knex reader tests on Galera skipped: ${skipReason}`);

async function portOf(db: Knex): Promise<number> {
  const [rows] = (await db.raw('SELECT @@port AS port')) as [Array<{ port: number }>];
  return Number(rows[0]?.port);
}

/** Reads only: the workload's insert does nothing (a reader instance is for reads). */
const readCalls = (db: Knex) => ({ read: () => portOf(db), insert: async () => undefined });

describe.skipIf(skipReason !== undefined)(
  'reader instances and pools (role: reader) on a 3-node Galera cluster',
  () => {
    let cluster: GaleraCluster;
    const instances: Knex[] = [];

    beforeAll(async () => {
      cluster = await startGaleraCluster({ nodes: 3 });
      await cluster
        .node(1)
        .query('CREATE TABLE goneaway.t (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB');
    }, 240_000);

    afterAll(async () => {
      await Promise.all(instances.splice(0).map((db) => db.destroy().catch(() => undefined)));
      await cluster?.stop();
    }, 60_000);

    function clusterOption(readYourWrites = false): ClusterOptions {
      return {
        hosts: cluster.nodes.map((node) => `${node.host}:${node.port}`),
        flavor: 'galera',
        probeIntervalMs: 250,
        probeTimeoutMs: 1_000,
        readers: { enabled: true },
        readYourWrites,
      };
    }

    function instance(role: 'writer' | 'reader', name: string, readYourWrites = false): Knex {
      const db = knex(
        goneAway(
          { client: 'mysql2', connection: { ...cluster.node(1).connection }, pool: { min: 0, max: 4 } },
          { name, outageBudgetMs: 20_000, cluster: clusterOption(readYourWrites), role },
        ),
      );
      instances.push(db);
      return db;
    }

    /** The node the monitor chose as the writer (lowest wsrep_local_index), from a writer instance. */
    async function writerNode(writer: Knex): Promise<GaleraNode> {
      await portOf(writer);
      await sleep(1_000);
      const port = await portOf(writer);
      return cluster.nodes.find((node) => node.port === port) as GaleraNode;
    }

    const keyOf = (node: GaleraNode) => `${node.host}:${node.port}`;
    const targetsOf = (db: Knex) => stats(db).cluster?.targets ?? [];

    it('reads spread over the two non-writer nodes and never reach the writer; a bare knex on one address reads from that node only', async () => {
      const writer = instance('writer', 'galera-w');
      const reader = instance('reader', 'galera-r');
      const chosen = await writerNode(writer);
      const workload = runWorkload(readCalls(reader), 1, 4);
      workload.markAfter();
      await sleep(2_000);
      const report = await workload.stop();
      const names = new Set<string>();
      // Four at once: the pool holds a connection to each reader (one at a time reuses one connection).
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            const [rows] = (await reader.raw('SELECT @@wsrep_node_name AS name, SLEEP(0.05) AS s')) as [
              Array<{ name: string }>,
            ];
            names.add(String(rows[0]?.name));
          }),
        );
      }
      const others = cluster.nodes.filter((node) => node !== chosen);
      console.info(
        `[cluster] knex reader instance, Galera: ${report.reads} reads on ports ${[...report.portsAfter].join(', ')} (writer ${chosen.port}); nodes ${[...names].join(', ')}`,
      );
      expect(report.failures.size).toBe(0);
      expect([...report.portsAfter].sort()).toEqual(others.map((node) => node.port).sort());
      expect([...names].sort()).toEqual(others.map((node) => node.name).sort());
      expect(stats(reader).cluster).toMatchObject({ role: 'reader', writer: keyOf(chosen) });
      expect([...targetsOf(reader)].sort()).toEqual(others.map(keyOf).sort());
      const bare = knex({
        client: 'mysql2',
        connection: { ...cluster.node(1).connection },
        pool: { min: 0, max: 4 },
      });
      try {
        const barePorts = new Set<number>();
        for (let i = 0; i < 12; i++) barePorts.add(await portOf(bare));
        expect([...barePorts]).toEqual([cluster.node(1).port]);
      } finally {
        await bare.destroy();
      }
    });

    it('a reader killed under a read workload: no read fails, reads move to the other reader; after its restart it is back in rotation', async () => {
      const writer = instance('writer', 'galera-kill-w');
      const reader = instance('reader', 'galera-kill-r');
      const chosen = await writerNode(writer);
      const [victim, survivor] = cluster.nodes.filter((node) => node !== chosen) as [GaleraNode, GaleraNode];
      const workload = runWorkload(readCalls(reader), 1, 4);
      await sleep(1_000);
      await victim.kill();
      await waitUntil(
        'the killed reader out of rotation',
        () => !targetsOf(reader).includes(keyOf(victim)),
        30_000,
      );
      workload.markAfter();
      await sleep(2_000);
      const report = await workload.stop();
      console.info(
        `[cluster] knex reader instance, a reader SIGKILLed: ${describeFailures(report)}; ${report.reads} reads`,
      );
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      expect(report.failures.size).toBe(0);
      expect([...report.portsAfter]).toEqual([survivor.port]);
      await victim.start();
      await waitUntil(
        'the restarted reader back in rotation',
        () => targetsOf(reader).includes(keyOf(victim)),
        60_000,
      );
      // New connections (a fresh reader instance here) go to it again.
      const fresh = instance('reader', 'galera-kill-fresh');
      const ports = new Set<number>();
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const [rows] = (await fresh.raw('SELECT @@port AS port, SLEEP(0.05) AS s')) as [
            Array<{ port: number }>,
          ];
          ports.add(Number(rows[0]?.port));
        }),
      );
      expect(ports.has(victim.port)).toBe(true);
      expect(ports.has(chosen.port)).toBe(false);
    });

    it('a reader isolated (non-primary) under a read workload: reads move to the other reader, failures typed only; it rejoins the rotation', async () => {
      const writer = instance('writer', 'galera-iso-w');
      const reader = instance('reader', 'galera-iso-r');
      const chosen = await writerNode(writer);
      const [victim, survivor] = cluster.nodes.filter((node) => node !== chosen) as [GaleraNode, GaleraNode];
      const workload = runWorkload(readCalls(reader), 1, 4);
      await sleep(1_000);
      await victim.isolate();
      try {
        await waitUntil(
          'the isolated reader out of rotation',
          () => !targetsOf(reader).includes(keyOf(victim)),
          30_000,
        );
        workload.markAfter();
        await sleep(2_000);
      } finally {
        const report = await workload.stop();
        console.info(
          `[cluster] knex reader instance, a reader isolated: ${describeFailures(report)}; ${report.reads} reads`,
        );
        for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
        expect([...report.portsAfter]).toEqual([survivor.port]);
        await victim.rejoin();
        await cluster.waitForSynced({ timeoutMs: 90_000 });
      }
      await waitUntil(
        'the rejoined reader back in rotation',
        () => targetsOf(reader).includes(keyOf(victim)),
        60_000,
      );
    });

    it('mysql2: a reader pool beside the writer pool reads from the non-writer nodes, its sessions with wsrep_sync_wait = 1 (readYourWrites)', async () => {
      const chosen = await writerNode(instance('writer', 'galera-mysql2-probe'));
      const make = (role: 'writer' | 'reader') =>
        goneAwayMysql2(mysql2, {
          name: `galera-mysql2-${role}`,
          cluster: clusterOption(true),
          role,
        }).createPool({
          ...cluster.node(1).connection,
          connectionLimit: 4,
        });
      const writerPool = make('writer');
      const readerPool = make('reader');
      try {
        await writerPool.query("INSERT INTO goneaway.t VALUES (9001, 'mysql2 ryw')");
        const answers = await Promise.all(
          Array.from({ length: 8 }, async () => {
            const [rows] = await readerPool.query<RowDataPacket[]>(
              'SELECT @@port AS port, @@session.wsrep_sync_wait AS w, (SELECT COUNT(*) FROM goneaway.t WHERE id = 9001) AS n, SLEEP(0.05) AS s',
            );
            return { port: Number(rows[0]?.port), w: Number(rows[0]?.w), n: Number(rows[0]?.n) };
          }),
        );
        const others = cluster.nodes.filter((node) => node !== chosen);
        expect([...new Set(answers.map((answer) => answer.port))].sort()).toEqual(
          others.map((node) => node.port).sort(),
        );
        expect(answers.every((answer) => answer.w === 1 && answer.n === 1)).toBe(true);
        expect(poolStats(readerPool).cluster).toMatchObject({ role: 'reader', writer: keyOf(chosen) });
      } finally {
        await Promise.all([writerPool.end(), readerPool.end()]);
      }
    });

    it('readYourWrites: reader sessions run with wsrep_sync_wait = 1 and see a row inserted through the writer instance at once', async () => {
      const writer = instance('writer', 'galera-ryw-w', true);
      const reader = instance('reader', 'galera-ryw-r', true);
      const control = instance('reader', 'galera-ryw-control');
      await writerNode(writer);
      const syncWait = async (db: Knex) => {
        const [rows] = (await db.raw('SELECT @@session.wsrep_sync_wait AS w')) as [Array<{ w: number }>];
        return Number(rows[0]?.w);
      };
      expect(await syncWait(reader)).toBe(1);
      expect(await syncWait(control)).toBe(0);
      let missedWith = 0;
      let missedWithout = 0;
      for (let id = 1; id <= 150; id++) {
        await writer('t').insert({ id, note: 'ryw' });
        const [seen, seenByControl] = await Promise.all([
          reader('t').where({ id }).first(),
          control('t').where({ id }).first(),
        ]);
        if (seen === undefined) missedWith++;
        if (seenByControl === undefined) missedWithout++;
      }
      console.info(
        `[cluster] knex Galera read-your-writes: 150 insert-then-read rounds, missed ${missedWith} with readYourWrites, ${missedWithout} without (control)`,
      );
      expect(missedWith).toBe(0);
    });

    it("the writer SIGKILLed under load: a reader instance reads on through Galera's eviction stall, while a mixed pool's reads wait behind its stalled writes", async () => {
      const writer = instance('writer', 'galera-stall-w');
      const reader = instance('reader', 'galera-stall-r');
      const chosen = await writerNode(writer);
      await waitUntil(
        'both non-writer nodes in the reader rotation',
        () => targetsOf(reader).length === 2,
        30_000,
      );
      // The same pool for reads and inserts (the default: reads go to the writer), beside the reader instance.
      const mixed = runWorkload(
        {
          read: () => portOf(writer),
          insert: async (id) => {
            await writer.raw("INSERT INTO goneaway.t (id, note) VALUES (?, 'stall')", [id]);
          },
        },
        100_000,
        8,
      );
      const reads = runWorkload(readCalls(reader), 1, 4);
      await sleep(1_000);
      const killedAt = performance.now();
      await chosen.kill();
      await waitUntil(
        'the cluster evicted the killed writer and the monitor chose another',
        () => {
          const now = stats(writer).cluster?.writer;
          return now !== undefined && now !== keyOf(chosen);
        },
        60_000,
      );
      const movedAt = performance.now();
      // Long enough for Galera to evict the dead node (its write stall) and for writes to resume.
      await waitUntil(
        'writes acknowledged again after the kill',
        () => mixed.report.insertAckedAt.some((at) => at > movedAt + 500),
        60_000,
      );
      await sleep(1_000);
      const [mixedReport, readerReport] = await Promise.all([mixed.stop(), reads.stop()]);
      // The write stall: the longest stretch after the kill without an acknowledged insert.
      const acks = [killedAt, ...mixedReport.insertAckedAt.filter((at) => at > killedAt)];
      let stallMs = 0;
      let stallEnd = killedAt;
      for (let i = 1; i < acks.length; i++) {
        const gap = (acks[i] as number) - (acks[i - 1] as number);
        if (gap > stallMs) {
          stallMs = gap;
          stallEnd = acks[i] as number;
        }
      }
      const stallStart = stallEnd - stallMs;
      const during = (log: ReadonlyArray<{ at: number }>) =>
        log.filter((read) => read.at > stallStart && read.at < stallEnd).length;
      console.info(
        `[cluster] knex, Galera writer SIGKILLed: new writer after ${Math.round(movedAt - killedAt)} ms, no insert acknowledged for ${Math.round(stallMs)} ms; ` +
          `during that stall the reader instance read ${during(readerReport.readLog)} times (longest time without a read ${readerReport.maxReadGapMs} ms, failures ${describeFailures(readerReport)}), ` +
          `the mixed pool ${during(mixedReport.readLog)} times (longest time without a read ${mixedReport.maxReadGapMs} ms, failures ${describeFailures(mixedReport)})`,
      );
      for (const code of [...readerReport.failures.keys(), ...mixedReport.failures.keys()]) {
        expect(code).toMatch(/^GONEAWAY_/);
      }
      // The readers (the two other nodes) answered all along, including while the cluster stalled.
      expect(readerReport.failures.size).toBe(0);
      expect(during(readerReport.readLog)).toBeGreaterThan(0);
      expect(mixedReport.inserts.length).toBeGreaterThan(0);
      await chosen.start();
      await cluster.waitForSynced({ timeoutMs: 90_000 });
    });
  },
);
