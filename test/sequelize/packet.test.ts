import {
  findGoneAwayError,
  type GoneAwayEvent,
  isPacketTooLarge,
  PacketTooLargeError,
  subscribeTo,
} from '@goneaway/sequelize';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { DatabaseError } from 'sequelize';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  codeOfSequelizeError,
  connectionIdOf,
  createSequelize,
  describeWithOwnServer,
  failureOf,
  TABLES_SQL,
} from './support.js';

// A 2 MB BLOB over a 1 MB max_allowed_packet: Sequelize through goneAwaySequelize beside bare Sequelize.
describeWithOwnServer('Sequelize: packet too large (max_allowed_packet 1 MB)', () => {
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

  it('goneaway: a 2 MB BLOB saved through a model is refused before sending: GONEAWAY_PACKET_TOO_LARGE, short message, same connection', async () => {
    const { sequelize, Blob } = createSequelize('goneaway', {
      connection: proxy.route(server.connection),
      poolMax: 1,
    });
    const events: GoneAwayEvent[] = [];
    subscribeTo(sequelize, (event) => events.push(event));
    try {
      const before = await connectionIdOf(sequelize);
      const statsBefore = proxy.stats;
      const error = (await failureOf(Blob.create({ body: blob() }))) as DatabaseError;
      // The application catches Sequelize's DatabaseError; goneaway's error is its `original`.
      expect(error).toBeInstanceOf(DatabaseError);
      const ours = findGoneAwayError(error);
      expect(isPacketTooLarge(ours)).toBe(true);
      expect(ours).toBeInstanceOf(PacketTooLargeError);
      expect((ours as PacketTooLargeError).maxAllowedPacket).toBe(MAX);
      expect((ours as PacketTooLargeError).packetBytes).toBeGreaterThan(2 * 1024 * 1024);
      expect(error.message.length).toBeLessThan(400);
      // Sequelize puts the bound values on its error (`parameters`); not for a goneaway error.
      expect(error.parameters).toEqual({});
      expect(error.sql).toBeUndefined();
      expect(JSON.stringify(error)).not.toMatch(/abab|171,171/i);
      expect(String(error)).not.toMatch(/abab/i);
      // Nothing of the BLOB went over the wire, and no new connection was needed.
      expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeLessThan(1024);
      expect(await connectionIdOf(sequelize)).toBe(before);
      expect(proxy.stats.accepted).toBe(statsBefore.accepted);
      expect(events.some((e) => e.type === 'packet-rejected')).toBe(true);
      // A BLOB that fits still goes through.
      await Blob.create({ body: Buffer.alloc(300 * 1024, 1) });
    } finally {
      await sequelize.close();
    }
  });

  it('bare Sequelize (control): the BLOB is sent, the server drops the connection, a reconnect follows', async () => {
    const { sequelize, Blob } = createSequelize('bare', {
      connection: proxy.route(server.connection),
      poolMax: 1,
    });
    try {
      const before = await connectionIdOf(sequelize);
      const statsBefore = proxy.stats;
      const error = (await failureOf(Blob.create({ body: blob() }))) as DatabaseError;
      const sent = proxy.stats.bytesToServer - statsBefore.bytesToServer;
      console.info(
        `bare Sequelize, 2 MB BLOB: ${codeOfSequelizeError(error)}, ${sent} bytes sent, message ${error.message.length} chars, parameters ${JSON.stringify(error.parameters ?? null).length} chars as JSON`,
      );
      expect(error).toBeInstanceOf(DatabaseError);
      expect(codeOfSequelizeError(error)).not.toMatch(/^GONEAWAY_/);
      expect(sent).toBeGreaterThan(64 * 1024);
      // The bound values ride on the error the application logs.
      expect(JSON.stringify(error.parameters)).toMatch(/171,171/);
      expect(await connectionIdOf(sequelize)).not.toBe(before);
    } finally {
      await sequelize.close();
    }
  });
});
