import { isPacketTooLarge, PacketTooLargeError } from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, open } from './support.js';

// Behaviour 7 of the knex plugin: a packet bigger than max_allowed_packet.
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

  it('goneaway: a 2 MB BLOB is rejected before sending; short message; the connection stays; no reconnect', async () => {
    const { db, events } = open('goneaway', {
      connection: proxy.route(server.connection),
      pool: { min: 0, max: 1 },
    });
    try {
      const [[before]] = await db.raw('select connection_id() as id');
      const statsBefore = proxy.stats;
      const blob = Buffer.alloc(2 * 1024 * 1024, 0xab);
      const error = await db('blobs')
        .insert({ body: blob })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(PacketTooLargeError);
      expect(isPacketTooLarge(error)).toBe(true);
      const packet = error as PacketTooLargeError;
      expect(packet.maxAllowedPacket).toBe(MAX);
      // X'<hex>': two bytes per byte of the BLOB, plus the rest of the statement.
      expect(packet.packetBytes).toBeGreaterThan(2 * blob.length);
      expect(packet.message.length).toBeLessThan(400);
      expect(packet.message).not.toMatch(/abab/i);
      expect(JSON.stringify(packet)).not.toMatch(/abab/i);
      // Nothing of the BLOB went over the wire, and no new connection was needed.
      expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeLessThan(1024);
      expect(proxy.stats.accepted).toBe(statsBefore.accepted);
      const [[after]] = await db.raw('select connection_id() as id');
      expect(after.id).toBe(before.id);
      expect(events.some((e) => e.type === 'packet-rejected')).toBe(true);
    } finally {
      await db.destroy();
    }
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

  it('bare knex (control): the server drops the socket and the error message is megabytes long', async () => {
    const { db } = open('bare', { connection: proxy.route(server.connection), pool: { min: 0, max: 1 } });
    try {
      const statsBefore = proxy.stats;
      const error = (await db('blobs')
        .insert({ body: Buffer.alloc(2 * 1024 * 1024, 0xab) })
        .then(
          () => undefined,
          (e: unknown) => e,
        )) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message.length).toBeGreaterThan(1024 * 1024);
      // It started sending the BLOB (the server resets the socket once it has read past its limit).
      expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeGreaterThan(64 * 1024);
    } finally {
      await db.destroy();
    }
  });
});
