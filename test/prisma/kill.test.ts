import { stats } from '@goneaway/prisma';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  clientFor,
  createItems,
  describeWithOwnServer,
  type ExamplePrismaClient,
  generatePrismaClient,
  killWhenRunning,
  type PrismaClientConstructor,
  type Side,
} from './support.js';

// A client used again after $disconnect() keeps goneaway's policy. The KILL causes every adapter
// shares are test/causes/kill-*.test.ts.
describeWithOwnServer('prisma: KILL', () => {
  let server: MariaDBServer;
  let PrismaClient: PrismaClientConstructor;

  beforeAll(async () => {
    const [started, generated] = await Promise.all([startMariaDB(), generatePrismaClient()]);
    server = started;
    PrismaClient = generated.PrismaClient;
    await createItems(server);
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(async () => {
    await server.query('truncate table goneaway.t');
  });

  const open = (side: Side, connectionLimit = 2) =>
    clientFor(PrismaClient, side, { ...server.connection, connectionLimit });
  const _connectionIdOf = async (tx: ExamplePrismaClient) =>
    Number((await tx.$queryRawUnsafe<Array<{ id: bigint }>>('select connection_id() as id'))[0]?.id);

  it('goneaway: a client used again after $disconnect() connects again and keeps the policy', async () => {
    const { prisma, adapter } = open('goneaway');
    try {
      expect(await prisma.item.count()).toBe(0);
      await prisma.$disconnect();
      expect(await prisma.item.count()).toBe(0);
      const read = prisma
        .$queryRawUnsafe<Array<{ n: bigint }>>('select sleep(1) as s, 7 as n')
        .then((rows) => rows);
      await killWhenRunning(server, 'select sleep(1)%');
      expect((await read).map((r) => Number(r.n))).toEqual([7]);
      expect(stats(adapter).events.retry).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });
});
