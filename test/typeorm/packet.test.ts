import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { type GoneAwayEvent, isPacketTooLarge, PacketTooLargeError, subscribeTo } from '@goneaway/typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BARE_TYPEORM,
  codeOf,
  createDataSource,
  type DataSourceLike,
  describeWithOwnServer,
  failureOf,
  TABLES_SQL,
  TYPEORMS,
} from './support.js';

// A 2 MB BLOB over a 1 MB max_allowed_packet: TypeORM through goneAwayTypeorm beside bare TypeORM 1.x.
describeWithOwnServer('TypeORM: packet too large (max_allowed_packet 1 MB)', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  const MAX = 1024 * 1024;
  const blob = () => Buffer.alloc(2 * 1024 * 1024, 0xab);

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { max_allowed_packet: MAX } });
    for (const sql of TABLES_SQL) await server.query(sql);
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  const idOf = async (dataSource: DataSourceLike) =>
    Number((await dataSource.query<Array<{ id: number }>>('select connection_id() as id'))[0]?.id);

  describe.each(TYPEORMS)('goneaway on $label', ({ orm }) => {
    it('goneaway: a 2 MB BLOB saved through a repository is refused before sending: GONEAWAY_PACKET_TOO_LARGE, no value in the error, same connection', async () => {
      const dataSource = createDataSource(orm, 'goneaway', {
        connection: proxy.route(server.connection),
        poolSize: 1,
      });
      await dataSource.initialize();
      const events: GoneAwayEvent[] = [];
      subscribeTo(dataSource, (event) => events.push(event));
      try {
        const before = await idOf(dataSource);
        const statsBefore = proxy.stats;
        const error = (await failureOf(
          dataSource.getRepository('Blob').insert({ body: blob() }),
        )) as Error & {
          driverError?: unknown;
          parameters?: unknown;
        };
        // The application catches TypeORM's QueryFailedError; goneaway's code and fields are copied onto it.
        expect(error.name).toBe('QueryFailedError');
        expect(codeOf(error)).toBe('GONEAWAY_PACKET_TOO_LARGE');
        expect(isPacketTooLarge(error)).toBe(true);
        expect(error.driverError).toBeInstanceOf(PacketTooLargeError);
        expect((error as unknown as PacketTooLargeError).maxAllowedPacket).toBe(MAX);
        expect((error as unknown as PacketTooLargeError).packetBytes).toBeGreaterThan(2 * 1024 * 1024);
        // TypeORM attaches the bound values as `parameters`; not on a goneaway error.
        expect(error.parameters).toBeUndefined();
        expect(error.message.length).toBeLessThan(400);
        expect(JSON.stringify(error)).not.toMatch(/abab/i);
        expect(String(error)).not.toMatch(/abab/i);
        // Nothing of the BLOB went over the wire, and no new connection was needed.
        expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeLessThan(1024);
        expect(await idOf(dataSource)).toBe(before);
        expect(proxy.stats.accepted).toBe(statsBefore.accepted);
        expect(events.some((e) => e.type === 'packet-rejected')).toBe(true);
        // A BLOB that fits still goes through.
        await dataSource.getRepository('Blob').insert({ body: Buffer.alloc(300 * 1024, 1) });
      } finally {
        await dataSource.destroy();
      }
    });
  });

  it(`bare ${BARE_TYPEORM.label} (control): the BLOB is sent, the server drops the connection, and the error carries the 2 MB value`, async () => {
    const dataSource = createDataSource(BARE_TYPEORM.orm, 'bare', {
      connection: proxy.route(server.connection),
      poolSize: 1,
    });
    await dataSource.initialize();
    try {
      const before = await idOf(dataSource);
      const statsBefore = proxy.stats;
      const error = (await failureOf(dataSource.getRepository('Blob').insert({ body: blob() }))) as Error & {
        parameters?: unknown[];
      };
      const sent = proxy.stats.bytesToServer - statsBefore.bytesToServer;
      console.info(
        `bare TypeORM, 2 MB BLOB: ${String(codeOf(error))}, ${sent} bytes sent, message ${error.message.length} chars, parameters ${JSON.stringify(error.parameters ?? null).length} chars`,
      );
      expect(error.name).toBe('QueryFailedError');
      expect(String(codeOf(error))).not.toMatch(/^GONEAWAY_/);
      expect(sent).toBeGreaterThan(64 * 1024);
      // The bound values ride on the error the application logs.
      expect(JSON.stringify(error.parameters)).toMatch(/171,171/);
      expect(await idOf(dataSource)).not.toBe(before);
    } finally {
      await dataSource.destroy();
    }
  });
});
