import { type GoneAwayEvent, subscribeTo } from '@goneaway/prisma';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  clientFor,
  describeWithOwnServer,
  generatePrismaClient,
  type PrismaClientConstructor,
  type Side,
  sleep,
} from './support.js';

// A half-open idle connection (the network path went silent): Prisma through withGoneaway() beside the bare adapter.
describeWithOwnServer('prisma: half-open connections', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  let PrismaClient: PrismaClientConstructor;

  beforeAll(async () => {
    const [started, generated] = await Promise.all([startMariaDB(), generatePrismaClient()]);
    server = started;
    PrismaClient = generated.PrismaClient;
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  async function queryAfterBlackhole(side: Side) {
    const { prisma, adapter } = clientFor(PrismaClient, side, {
      ...proxy.route(server.connection),
      connectionLimit: 1,
    });
    const events: GoneAwayEvent[] = [];
    if (side === 'goneaway') subscribeTo(adapter, (event) => events.push(event));
    try {
      await prisma.$queryRawUnsafe('select 1');
      await sleep(600); // past the 500 ms bypass window: the next acquire pings
      proxy.blackholeExisting();
      const started = performance.now();
      const rows = await prisma.$queryRawUnsafe<Array<{ five: bigint }>>('select 5 as five');
      return { rows: rows.map((r) => Number(r.five)), elapsedMs: performance.now() - started, events };
    } finally {
      proxy.resetAll();
      await prisma.$disconnect().catch(() => undefined);
    }
  }

  it('goneaway: a query after the idle connection went half-open succeeds on a fresh one in well under a second', async () => {
    const { rows, elapsedMs } = await queryAfterBlackhole('goneaway');
    console.info(`goneaway prisma, half-open: answered in ${Math.round(elapsedMs)} ms`);
    expect(rows).toEqual([5]);
    // mariadb's own acquire ping (250 ms) or goneaway's (200 ms floor), then a fresh connection.
    expect(elapsedMs).toBeLessThan(1_000); // below the old fixed 1 s timeout even on a loaded machine; the ≤ 300 ms target is the half-open benchmark's
  });

  it("bare adapter (control): mariadb's own acquire ping (250 ms) finds it too", async () => {
    const { rows, elapsedMs } = await queryAfterBlackhole('bare');
    console.info(`bare prisma, half-open: answered in ${Math.round(elapsedMs)} ms`);
    expect(rows).toEqual([5]);
  });
});
