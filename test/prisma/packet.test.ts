import { type GoneAwayEvent, isPacketTooLarge, subscribeTo } from '@goneaway/prisma';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  clientFor,
  codeOf,
  createItems,
  describeWithOwnServer,
  type ExamplePrismaClient,
  failureOf,
  generatePrismaClient,
  type PrismaClientConstructor,
} from './support.js';

// A 2 MB BLOB over a 1 MB max_allowed_packet: Prisma through withGoneaway() beside the bare adapter.
describeWithOwnServer('prisma: packet too large (max_allowed_packet 1 MB)', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  let PrismaClient: PrismaClientConstructor;
  const MAX = 1024 * 1024;
  const blob = () => new Uint8Array(2 * 1024 * 1024).fill(0xab);

  beforeAll(async () => {
    const [started, generated] = await Promise.all([
      startMariaDB({ serverOptions: { max_allowed_packet: MAX } }),
      generatePrismaClient(),
    ]);
    server = started;
    PrismaClient = generated.PrismaClient;
    await createItems(server);
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  const idOf = async (prisma: ExamplePrismaClient) =>
    Number((await prisma.$queryRawUnsafe<Array<{ id: bigint }>>('select connection_id() as id'))[0]?.id);

  it('goneaway: a 2 MB BLOB is refused before sending: GONEAWAY_PACKET_TOO_LARGE, short message, same connection, no reconnect', async () => {
    const { prisma, adapter } = clientFor(PrismaClient, 'goneaway', {
      ...proxy.route(server.connection),
      connectionLimit: 1,
    });
    const events: GoneAwayEvent[] = [];
    subscribeTo(adapter, (event) => events.push(event));
    try {
      const before = await idOf(prisma);
      const statsBefore = proxy.stats;
      const error = await failureOf(prisma.item.create({ data: { k: 'big', body: blob() } }));
      expect(codeOf(error)).toBe('GONEAWAY_PACKET_TOO_LARGE');
      expect(isPacketTooLarge(error)).toBe(true);
      const message = String((error as Error).message);
      expect(message).toContain('1,048,576');
      expect(message).not.toMatch(/abab/i);
      expect(JSON.stringify(error)).not.toMatch(/abab/i);
      // Prisma puts the invocation (file and code frame) before goneaway's own sentence.
      expect(message.split('\n').at(-1)?.length).toBeLessThan(400);
      // Nothing of the BLOB went over the wire, and no new connection was needed.
      expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeLessThan(1024);
      expect(await idOf(prisma)).toBe(before);
      expect(proxy.stats.accepted).toBe(statsBefore.accepted);
      expect(events.some((e) => e.type === 'packet-rejected')).toBe(true);
      // goneaway's typed fields reach the application in Prisma's `meta`.
      expect((error as { meta?: { goneaway?: unknown } }).meta?.goneaway).toMatchObject({
        code: 'GONEAWAY_PACKET_TOO_LARGE',
        maxAllowedPacket: MAX,
        packetBytes: 2 * 1024 * 1024 + 7,
      });
      // A BLOB that fits still goes through.
      await prisma.item.create({ data: { k: 'fits', body: new Uint8Array(300 * 1024).fill(1) } });
      expect(await prisma.item.count({ where: { k: 'fits' } })).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('bare adapter (control): the same BLOB is sent and the server refuses it (P2039, errno 1153) or drops the connection', async () => {
    const { prisma } = clientFor(PrismaClient, 'bare', {
      ...proxy.route(server.connection),
      connectionLimit: 1,
    });
    try {
      await idOf(prisma);
      const statsBefore = proxy.stats;
      const error = await failureOf(prisma.item.create({ data: { k: 'big0', body: blob() } }));
      console.info(
        `bare prisma, 2 MB BLOB: ${String(codeOf(error))} ${String((error as Error).message)
          .split('\n')
          .at(-1)}`,
      );
      expect(error).toBeInstanceOf(Error);
      expect(String(codeOf(error))).not.toMatch(/^GONEAWAY_/);
      expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeGreaterThan(64 * 1024);
    } finally {
      await prisma.$disconnect();
    }
  });
});
