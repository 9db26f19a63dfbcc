import { isConnectionLost, isTransactionLost, stats, withTransactionRetry } from '@goneaway/prisma';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  clientFor,
  codeOf,
  createItems,
  describeWithOwnServer,
  type ExamplePrismaClient,
  failureOf,
  generatePrismaClient,
  killWhenRunning,
  type PrismaClientConstructor,
  rowsOf,
  type Side,
  sleep,
} from './support.js';

// KILL of idle connections, during a read, during a write, inside a transaction: Prisma on
// @prisma/adapter-mariadb through withGoneaway() beside the bare adapter.
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
  const connectionIdOf = async (tx: ExamplePrismaClient) =>
    Number((await tx.$queryRawUnsafe<Array<{ id: bigint }>>('select connection_id() as id'))[0]?.id);

  it('goneaway: after a KILL of idle connections, reads and writes all succeed', async () => {
    const { prisma } = open('goneaway', 3);
    try {
      await Promise.all([1, 2, 3].map(() => prisma.$queryRawUnsafe('select sleep(0.05)')));
      expect(await server.killConnections()).toBeGreaterThanOrEqual(1);
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((n) => prisma.item.count({ where: { k: `n${n}` } })),
      );
      expect(results).toEqual([0, 0, 0, 0, 0]);
      await prisma.item.create({ data: { k: 'idle-kill', v: 1 } });
      expect(await rowsOf(server, 'idle-kill')).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('bare adapter (control): after a KILL of idle connections', async () => {
    const { prisma } = open('bare', 3);
    try {
      await Promise.all([1, 2, 3].map(() => prisma.$queryRawUnsafe('select sleep(0.05)')));
      await server.killConnections();
      const results = await Promise.allSettled(
        [1, 2, 3, 4, 5].map((n) => prisma.item.count({ where: { k: `n${n}` } })),
      );
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [codeOf(r.reason)] : []));
      console.info(`bare prisma, KILL of idle connections: ${failures.length} of 5 reads failed`);
      // mariadb's pool usually drops a killed idle connection before it is handed out (0 of 5 in our
      // runs); a read that races the close fails with Prisma's code for a driver error.
      for (const code of failures) expect(['P2039', 'P1017']).toContain(code);
    } finally {
      await prisma.$disconnect();
    }
  });

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

  it('goneaway: a read killed mid-flight is run again and its result returned', async () => {
    const { prisma, adapter } = open('goneaway');
    try {
      // Prisma's promises are lazy: then() sends the query.
      const read = prisma
        .$queryRawUnsafe<Array<{ s: bigint; answer: bigint }>>('select sleep(1) as s, 42 as answer')
        .then((rows) => rows);
      await killWhenRunning(server, 'select sleep(1)%');
      const rows = await read;
      expect(rows.map((r) => [Number(r.s), Number(r.answer)])).toEqual([[0, 42]]);
      expect(stats(adapter).events.retry).toBe(1);
      // The KILLed connection counts as evicted, as in the knex plugin.
      expect(stats(adapter).evictions.error).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('bare adapter (control): the killed read fails with P2010', async () => {
    const { prisma } = open('bare');
    try {
      const read = failureOf(prisma.$queryRawUnsafe('select sleep(1) as s, 42 as answer'));
      await killWhenRunning(server, 'select sleep(1)%');
      expect(codeOf(await read)).toBe('P2010');
    } finally {
      await prisma.$disconnect();
    }
  });

  it('goneaway: a write killed mid-flight is not run again: GONEAWAY_CONNECTION_LOST, at most one row', async () => {
    const { prisma, adapter } = open('goneaway');
    try {
      const write = failureOf(prisma.$executeRawUnsafe('insert into t (k, v) values (?, sleep(1))', 'w1'));
      await killWhenRunning(server, 'insert into t%');
      const error = await write;
      expect(codeOf(error)).toBe('GONEAWAY_CONNECTION_LOST');
      expect(isConnectionLost(error)).toBe(true);
      expect((error as Error).constructor.name).toBe('PrismaClientKnownRequestError');
      expect(String((error as Error).message)).not.toContain('w1');
      await sleep(200);
      expect(await rowsOf(server, 'w1')).toBeLessThanOrEqual(1);
      expect(stats(adapter).events.retry).toBe(0);
      expect(stats(adapter).evictions.error).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('bare adapter (control): the killed write fails with P2010, no goneaway code', async () => {
    const { prisma } = open('bare');
    try {
      const write = failureOf(prisma.$executeRawUnsafe('insert into t (k, v) values (?, sleep(1))', 'w0'));
      await killWhenRunning(server, 'insert into t%');
      expect(codeOf(await write)).toBe('P2010');
    } finally {
      await prisma.$disconnect();
    }
  });

  it('goneaway: a KILL inside $transaction is GONEAWAY_TRANSACTION_LOST, 0 rows, and the next transaction works', async () => {
    const { prisma } = open('goneaway');
    try {
      const error = await failureOf(
        prisma.$transaction(async (tx) => {
          await tx.item.create({ data: { k: 'tx1', v: 1 } });
          await server.query(`KILL ${await connectionIdOf(tx)}`);
          await tx.item.create({ data: { k: 'tx1', v: 2 } });
        }),
      );
      expect(codeOf(error)).toBe('GONEAWAY_TRANSACTION_LOST');
      expect(isTransactionLost(error)).toBe(true);
      expect(await rowsOf(server, 'tx1')).toBe(0);
      await prisma.$transaction(async (tx) => {
        await tx.item.create({ data: { k: 'tx1-next', v: 1 } });
      });
      expect(await rowsOf(server, 'tx1-next')).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('goneaway: withTransactionRetry runs the whole transaction again after the KILL: one row', async () => {
    const { prisma } = open('goneaway');
    try {
      let runs = 0;
      const result = await withTransactionRetry(prisma, async (tx) => {
        runs++;
        await tx.item.create({ data: { k: 'tx2', v: runs } });
        if (runs === 1) {
          await server.query(`KILL ${await connectionIdOf(tx)}`);
          await tx.item.create({ data: { k: 'tx2', v: 99 } });
        }
        return runs;
      });
      expect(result).toBe(2);
      expect(await rowsOf(server, 'tx2')).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('bare adapter (control): the same KILL in a transaction fails with P2039', async () => {
    const { prisma } = open('bare');
    try {
      const error = await failureOf(
        prisma.$transaction(async (tx) => {
          await tx.item.create({ data: { k: 'tx3', v: 1 } });
          await server.query(`KILL ${await connectionIdOf(tx)}`);
          await tx.item.create({ data: { k: 'tx3', v: 2 } });
        }),
      );
      expect(codeOf(error)).toBe('P2039');
      expect(await rowsOf(server, 'tx3')).toBe(0);
    } finally {
      await prisma.$disconnect();
    }
  });
});
