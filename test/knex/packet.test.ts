import { isPacketTooLarge, type PacketTooLargeError } from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, open } from './support.js';

// Behaviour 7 of the knex plugin, at the exact boundary; the 2 MB BLOB beside bare knex is
// test/causes/packet.test.ts.
describeWithOwnServer('packet too large (max_allowed_packet 1 MB)', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  const MAX = 1024 * 1024;

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { max_allowed_packet: MAX } });
    await server.query(
      'create table goneaway.blobs (id int auto_increment primary key, body longblob, note longtext)',
    );
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  it('goneaway: the guard agrees with the server at the exact boundary (max−1 passes, max is refused)', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 1 } });
    try {
      const prefix = "insert into `blobs` (`note`) values ('";
      const suffix = "')";
      // COM_QUERY payload = 1 command byte + the SQL.
      const sqlFor = (payload: number) =>
        prefix + 'x'.repeat(payload - 1 - prefix.length - suffix.length) + suffix;
      await db.raw(sqlFor(MAX - 1));
      const refused = await db.raw(sqlFor(MAX)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPacketTooLarge(refused)).toBe(true);
      expect((refused as PacketTooLargeError).packetBytes).toBe(MAX);
      // The same statement with a binding is measured after mysql2 formats it: escaped quotes count.
      const value = `${"'".repeat(10)}${'y'.repeat(MAX - 200)}`;
      const bound = await db.raw('insert into `blobs` (`note`) values (?)', [value]).then(
        () => 'sent',
        (e: unknown) => (isPacketTooLarge(e) ? (e as PacketTooLargeError).packetBytes : e),
      );
      expect(bound).toBe('sent');
    } finally {
      await db.destroy();
    }
  });
});
