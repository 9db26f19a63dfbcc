import {
  type GoneAwayEvent,
  goneAwayPrisma,
  isTransactionLost,
  stats,
  subscribeTo,
  withTransactionRetry,
} from '@goneaway/prisma';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_ITEMS_TABLE,
  type ExamplePrismaClient,
  generatePrismaClient,
  type PrismaClientConstructor,
} from '../../../examples/prisma/generate-client.js';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  type ReplicationPair,
  startReplicationPair,
} from '../../harness/src/index.js';
import { codeOf, describeFailures, runWorkload, sleep, storedOn, waitUntil } from './failover-workload.js';
import { prismaCalls, settingsOf, wroteTo } from './prisma-workload.js';

if (!canControlServers) console.info(`Prisma replication failover tests skipped: ${noControlReason}`);

describe.skipIf(!canControlServers)('Prisma on a GTID primary/replica pair', () => {
  let PrismaClient: PrismaClientConstructor;
  let pair: ReplicationPair | undefined;

  beforeAll(async () => {
    PrismaClient = (await generatePrismaClient()).PrismaClient;
  }, 120_000);

  afterEach(async () => {
    await pair?.stop();
    pair = undefined;
  }, 60_000);

  afterAll(async () => {
    await pair?.stop();
  }, 60_000);

  async function startPair(): Promise<ReplicationPair> {
    const started = await startReplicationPair();
    await started.primary.query(CREATE_ITEMS_TABLE.replace('exists t', 'exists goneaway.t'));
    await started.waitForCatchUp(30_000);
    return started;
  }

  function routedClient(started: ReplicationPair, name: string, configured: MariaDBServer) {
    const adapter = goneAwayPrisma(settingsOf(configured), {
      name,
      outageBudgetMs: 20_000,
      cluster: {
        hosts: started.servers.map((server) => `${server.host}:${server.port}`),
        flavor: 'replication',
        probeIntervalMs: 250,
        probeTimeoutMs: 1_000,
      },
    });
    const events: GoneAwayEvent[] = [];
    subscribeTo(adapter, (event) => events.push(event));
    return { prisma: new PrismaClient({ adapter }), adapter, events };
  }

  it('goneaway, planned switchover: nothing fails under load, every acknowledged insert is on the new primary once, reads go there', async () => {
    pair = await startPair();
    const { prisma, adapter, events } = routedClient(pair, 'prisma-switchover', pair.primary);
    try {
      await prisma.item.count();
      const workload = runWorkload(prismaCalls(prisma), 1, 4);
      await sleep(500);
      const seen = events.length;
      const started = performance.now();
      const { writeDowntimeMs } = await pair.switchover();
      const newPrimary = pair.primary;
      await waitUntil(
        'writer-changed to the new primary',
        () => wroteTo(events, seen, newPrimary.port),
        30_000,
      );
      const detectedMs = Math.round(performance.now() - started);
      workload.markAfter();
      await sleep(1_500);
      const report = await workload.stop();
      const stored = await storedOn(newPrimary, report.inserts);
      const cluster = stats(adapter).cluster;
      console.info(
        `[replication] Prisma + goneaway, switchover (writes refused ${writeDowntimeMs} ms): writer-changed after ${detectedMs} ms; ` +
          `${report.reads} reads, ${report.inserts.length} acknowledged inserts (${stored} on the new primary), failures ${describeFailures(report)}; ` +
          `evictions ${JSON.stringify(stats(adapter).evictions)}`,
      );
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      expect(report.failures.size).toBe(0);
      expect(report.inserts.length).toBeGreaterThan(0);
      expect(stored).toBe(report.inserts.length);
      expect([...report.portsAfter]).toEqual([newPrimary.port]);
      expect(cluster?.writer).toBe(`${newPrimary.host}:${newPrimary.port}`);
      expect(cluster?.hosts.map((host) => host.state).sort()).toEqual(['read-only', 'up']);
      await prisma.item.create({ data: { id: 1_000_000, k: 'after' } as { k: string } });
      expect(await storedOn(newPrimary, [1_000_000])).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  }, 180_000);

  it('bare Prisma (control): pointed at the old primary, inserts after the switchover fail with 1290 (read-only)', async () => {
    pair = await startPair();
    const oldPrimary = pair.primary;
    const prisma = new PrismaClient({ adapter: new PrismaMariaDb(settingsOf(oldPrimary)) });
    try {
      await prisma.item.count();
      const workload = runWorkload(prismaCalls(prisma), 1, 4);
      await sleep(500);
      await pair.switchover();
      workload.markAfter();
      await sleep(1_500);
      const report = await workload.stop();
      console.info(
        `[replication] bare Prisma, switchover: ${report.reads} reads, ${report.inserts.length} inserts, failures ${describeFailures(report)}`,
      );
      expect([...report.messages.values()].some((message) => /read-only/.test(message))).toBe(true);
      expect([...report.portsAfter]).toEqual([oldPrimary.port]);
    } finally {
      await prisma.$disconnect();
    }
  }, 180_000);

  it('goneaway, the primary is killed and the replica promoted: the client moves to it, every failure is typed, every acknowledged insert is there', async () => {
    pair = await startPair();
    const { prisma, adapter, events } = routedClient(pair, 'prisma-kill', pair.primary);
    try {
      await prisma.item.count();
      const workload = runWorkload(prismaCalls(prisma), 1, 4);
      await sleep(500);
      const seen = events.length;
      const killed = performance.now();
      const { promoteMs } = await pair.killPrimaryAndPromote();
      const newPrimary = pair.primary;
      await waitUntil(
        'writer-changed to the promoted replica',
        () => wroteTo(events, seen, newPrimary.port),
        30_000,
      );
      const detectedMs = Math.round(performance.now() - killed);
      workload.markAfter();
      await sleep(1_500);
      const report = await workload.stop();
      const stored = await storedOn(newPrimary, report.inserts);
      console.info(
        `[replication] Prisma + goneaway, primary killed (promoted in ${promoteMs} ms): writer-changed after ${detectedMs} ms; ` +
          `${report.reads} reads, ${report.inserts.length} acknowledged inserts (${stored} on the new primary), failures ${describeFailures(report)}; ` +
          `evictions ${JSON.stringify(stats(adapter).evictions)}`,
      );
      // A statement in flight when the primary died may have run: typed, never a raw driver error.
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      // Semi-synchronous replication (the harness's default): every acknowledged insert reached the replica.
      expect(stored).toBe(report.inserts.length);
      expect([...report.portsAfter]).toEqual([newPrimary.port]);
      await prisma.item.create({ data: { id: 2_000_000, k: 'after' } as { k: string } });
      expect(await storedOn(newPrimary, [2_000_000])).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  }, 180_000);

  it('goneaway: a transaction open during the switchover gets GONEAWAY_TRANSACTION_LOST, withTransactionRetry runs it again on the new primary; a client configured with the replica goes to the primary', async () => {
    pair = await startPair();
    const oldPrimary = pair.primary;
    const newPrimary = pair.replica;
    // Configured with the replica's address: the cluster's writer is where it goes all the same.
    const { prisma, events } = routedClient(pair, 'prisma-transaction', newPrimary);
    const portOf = async (client: ExamplePrismaClient) =>
      Number(
        (await client.$queryRawUnsafe<Array<{ port: bigint | number }>>('SELECT @@port AS port'))[0]?.port,
      );
    try {
      expect(await portOf(prisma)).toBe(oldPrimary.port);
      let lost: unknown;
      const ports: number[] = [];
      let attempts = 0;
      const result = await withTransactionRetry(
        prisma,
        async (tx) => {
          attempts++;
          ports.push(await portOf(tx));
          await tx.item.create({ data: { id: 20 + attempts * 10, k: 'retried' } as { k: string } });
          if (attempts === 1) {
            const seen = events.length;
            await pair?.switchover();
            await waitUntil(
              'writer-changed to the new primary',
              () => wroteTo(events, seen, newPrimary.port),
              30_000,
            );
          }
          await tx.item.create({ data: { id: 21 + attempts * 10, k: 'retried' } as { k: string } });
          return attempts;
        },
        {
          transactionOptions: { timeout: 60_000 },
          onRetry: (info) => {
            lost = info.error;
          },
        },
      );
      console.info(
        `[replication] Prisma + goneaway, a transaction across the switchover: attempt 1 failed with ${codeOf(lost)}, attempt ${result} committed on port ${ports.at(-1)}`,
      );
      expect(result).toBe(2);
      expect(isTransactionLost(lost)).toBe(true);
      expect(ports).toEqual([oldPrimary.port, newPrimary.port]);
      // The first attempt's insert was rolled back with the old primary's session; the second is there once.
      expect(await storedOn(newPrimary, [30, 31])).toBe(0);
      expect(await storedOn(newPrimary, [40, 41])).toBe(2);
    } finally {
      await prisma.$disconnect();
    }
  }, 180_000);
});
