import { goneAwayPrisma, stats } from '@goneaway/prisma';
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
import { waitUntil } from '../failover/failover-workload.js';
import { settingsOf } from '../failover/prisma-workload.js';

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`Prisma reader tests on Galera skipped: ${skipReason}`);

/**
 * Prisma reader clients (`goneAwayPrisma(settings, { cluster, role: 'reader' })`) on a 3-node Galera
 * cluster: reads on the non-writer nodes, and Galera read-your-writes through the routing's session
 * statement (wsrep_sync_wait), beside a reader client without it.
 */
describe.skipIf(skipReason !== undefined)(
  'Prisma reader clients (role: reader) on a 3-node Galera cluster',
  () => {
    let cluster: GaleraCluster;
    let PrismaClient: PrismaClientConstructor;
    const clients: ExamplePrismaClient[] = [];

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
      await Promise.all(clients.splice(0).map((prisma) => prisma.$disconnect().catch(() => undefined)));
      await cluster?.stop();
    }, 60_000);

    const keyOf = (node: GaleraNode) => `${node.host}:${node.port}`;

    function client(role: 'writer' | 'reader', name: string, readYourWrites = false) {
      const adapter = goneAwayPrisma(settingsOf(cluster.node(1)), {
        name,
        outageBudgetMs: 20_000,
        cluster: {
          hosts: cluster.nodes.map(keyOf),
          flavor: 'galera',
          probeIntervalMs: 250,
          probeTimeoutMs: 1_000,
          readers: { enabled: true },
          readYourWrites,
        },
        role,
      });
      const prisma = new PrismaClient({ adapter });
      clients.push(prisma);
      return { prisma, adapter };
    }

    const one = async (prisma: ExamplePrismaClient, sql: string, ...values: unknown[]) =>
      Number((await prisma.$queryRawUnsafe<Array<{ v: unknown }>>(sql, ...values))[0]?.v);

    it('reads through the reader client land on the two non-writer nodes only; its sessions run wsrep_sync_wait = 1 with readYourWrites, and a row inserted through the writer client is seen at once (150 rounds), beside a reader client without it', async () => {
      const writer = client('writer', 'prisma-galera-w', true);
      const reader = client('reader', 'prisma-galera-r', true);
      const control = client('reader', 'prisma-galera-control');
      const writerPort = await one(writer.prisma, 'SELECT @@port AS v');
      await waitUntil(
        'both non-writer nodes in the reader rotation',
        () => {
          void one(reader.prisma, 'SELECT 1 AS v').catch(() => undefined);
          return stats(reader.adapter).cluster?.targets.length === 2;
        },
        30_000,
      );
      const readerPorts = new Set<number>();
      for (let i = 0; i < 30; i++) readerPorts.add(await one(reader.prisma, 'SELECT @@port AS v'));
      expect(readerPorts.has(writerPort)).toBe(false);
      expect([...readerPorts].every((port) => cluster.nodes.some((node) => node.port === port))).toBe(true);
      expect(stats(reader.adapter).cluster).toMatchObject({ role: 'reader' });
      expect(await one(reader.prisma, 'SELECT @@session.wsrep_sync_wait AS v')).toBe(1);
      expect(await one(control.prisma, 'SELECT @@session.wsrep_sync_wait AS v')).toBe(0);
      let missedWith = 0;
      let missedWithout = 0;
      for (let id = 1; id <= 150; id++) {
        await writer.prisma.$executeRawUnsafe("INSERT INTO goneaway.t (id, k) VALUES (?, 'ryw')", id);
        const [seen, seenByControl] = await Promise.all([
          one(reader.prisma, 'SELECT COUNT(*) AS v FROM goneaway.t WHERE id = ?', id),
          one(control.prisma, 'SELECT COUNT(*) AS v FROM goneaway.t WHERE id = ?', id),
        ]);
        if (seen !== 1) missedWith++;
        if (seenByControl !== 1) missedWithout++;
      }
      console.info(
        `[cluster] Prisma Galera readers: reads on ports ${[...readerPorts].sort().join(', ')} (writer ${writerPort}); read-your-writes, 150 insert-then-read rounds: missed ${missedWith} with readYourWrites, ${missedWithout} without (control)`,
      );
      expect(missedWith).toBe(0);
    });
  },
);
