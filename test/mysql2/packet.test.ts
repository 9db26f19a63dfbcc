import {
  type GoneAwayEvent,
  isPacketTooLarge,
  PacketTooLargeError,
  subscribeTo,
  wrapMysql2,
} from '@goneaway/mysql2';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import mysql2Promise from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, failureOf } from './support.js';

// A 2 MB BLOB over a 1 MB max_allowed_packet through execute() (the prepared-statement path); the
// query() path, with the bare control, is test/causes/packet.test.ts.
describeWithOwnServer('mysql2 pool: packet too large (max_allowed_packet 1 MB)', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  const MAX = 1024 * 1024;
  const wrapped = wrapMysql2(mysql2Promise);

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { max_allowed_packet: MAX } });
    await server.query('create table goneaway.blobs (id int auto_increment primary key, body longblob)');
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  const idOf = async (pool: mysql2Promise.Pool) =>
    Number(((await pool.query('select connection_id() as id'))[0] as Array<{ id: number }>)[0]?.id);

  it('goneaway: a 2 MB BLOB through execute() is rejected before sending; short message; same connection; no reconnect', async () => {
    const pool = wrapped.createPool({ ...proxy.route(server.connection), connectionLimit: 1 });
    const events: GoneAwayEvent[] = [];
    subscribeTo(pool, (event) => events.push(event));
    const send = (sql: string, values: unknown[]) => pool.execute(sql, values as never);
    try {
      const before = await idOf(pool);
      const statsBefore = proxy.stats;
      const blob = Buffer.alloc(2 * 1024 * 1024, 0xab);
      const error = await failureOf(send('insert into goneaway.blobs (body) values (?)', [blob]));
      expect(error).toBeInstanceOf(PacketTooLargeError);
      expect(isPacketTooLarge(error)).toBe(true);
      expect(codeOf(error)).toBe('GONEAWAY_PACKET_TOO_LARGE');
      const packet = error as PacketTooLargeError;
      expect(packet.maxAllowedPacket).toBe(MAX);
      expect(packet.packetBytes).toBeGreaterThan(blob.length);
      expect(packet.message.length).toBeLessThan(400);
      expect(JSON.stringify(packet)).not.toMatch(/abab/i);
      // Nothing of the BLOB went over the wire, and no new connection was needed.
      expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeLessThan(1024);
      expect(await idOf(pool)).toBe(before);
      expect(proxy.stats.accepted).toBe(statsBefore.accepted);
      expect(events.some((e) => e.type === 'packet-rejected')).toBe(true);
      // A BLOB that fits still goes through (the guard is not a blanket refusal of large values).
      await send('insert into goneaway.blobs (body) values (?)', [Buffer.alloc(300 * 1024, 1)]);
    } finally {
      await pool.end();
    }
  });
});
