import { findGoneAwayError, isPacketTooLarge, PacketTooLargeError } from '@goneaway/core';
import type { FaultProxy, MariaDBServer } from '@goneaway/test-harness';
import { describe, expect, it } from 'vitest';
import { codeOf, goneawayFieldsOf, SUBJECTS } from './subjects.js';
import { connectionIdOf, describeWithOwnServer, failureOf, openEach, useCauseServer } from './support.js';

const MAX = 1024 * 1024;
const BLOB = 2 * 1024 * 1024;
const blob = () => Buffer.alloc(BLOB, 0xab);

/** The packet goneaway measured: knex sends a Buffer as X'<hex>' (two bytes a byte); Prisma's is exact. */
const PACKET_BYTES: Record<string, (bytes: number) => void> = {
  knex: (bytes) => expect(bytes).toBeGreaterThan(2 * BLOB),
  prisma: (bytes) => expect(bytes).toBe(BLOB + 7),
};
/** Prisma puts the invocation (file and code frame) before goneaway's own sentence: its last line is ours. */
const OWN_SENTENCE = (tag: string, message: string) =>
  tag === 'prisma' ? (message.split('\n').at(-1) ?? '') : message;

/** How each bare library shows the refused BLOB: a megabytes-long message, or the bytes in `parameters`. */
const BARE_SHOWS_VALUE: Record<string, (error: Error & { parameters?: unknown }) => void> = {
  knex: (error) => expect(error.message.length).toBeGreaterThan(MAX),
  typeorm1: (error) => expect(JSON.stringify(error.parameters)).toMatch(/171,171/),
  typeorm03: (error) => expect(JSON.stringify(error.parameters)).toMatch(/171,171/),
  sequelize: (error) => expect(JSON.stringify(error.parameters)).toMatch(/171,171/),
};

// A 2 MB BLOB over a 1 MB max_allowed_packet: goneaway refuses it before sending a byte of it
// (GONEAWAY_PACKET_TOO_LARGE, a short message, the connection kept); the bare library sends it and
// the server drops the connection.
describeWithOwnServer('cause: a packet over max_allowed_packet (1 MB)', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  useCauseServer(
    (started, proxied) => {
      server = started;
      proxy = proxied;
    },
    { serverOptions: { max_allowed_packet: MAX } },
  );

  describe.each(SUBJECTS)('$name', (subject) => {
    const open = openEach(subject);

    it('goneaway: refused before sending: GONEAWAY_PACKET_TOO_LARGE, short message, no value, same connection, an event', async () => {
      const db = await open('goneaway', proxy.route(server.connection), { poolSize: 1 });
      const before = await connectionIdOf(db);
      const statsBefore = proxy.stats;
      const error = (await failureOf(db.insertBlob(blob()))) as Error;
      expect(codeOf(error)).toBe('GONEAWAY_PACKET_TOO_LARGE');
      expect(isPacketTooLarge(findGoneAwayError(error))).toBe(true);
      // goneaway's own error, where the library keeps it (TypeORM as driverError, Sequelize as original).
      if (subject.tag.startsWith('typeorm'))
        expect((error as { driverError?: unknown }).driverError).toBeInstanceOf(PacketTooLargeError);
      if (subject.tag !== 'prisma' && !subject.tag.startsWith('typeorm'))
        expect(findGoneAwayError(error)).toBeInstanceOf(PacketTooLargeError);
      // Sequelize puts the bound values on its error (`parameters`), TypeORM too: not for a goneaway error.
      if (subject.tag === 'sequelize') expect((error as { parameters?: unknown }).parameters).toEqual({});
      if (subject.tag.startsWith('typeorm'))
        expect((error as { parameters?: unknown }).parameters).toBeUndefined();
      const fields = goneawayFieldsOf(error);
      expect(fields?.maxAllowedPacket).toBe(MAX);
      (PACKET_BYTES[subject.tag] ?? ((bytes) => expect(bytes).toBeGreaterThan(BLOB)))(
        Number(fields?.packetBytes),
      );
      const sentence = OWN_SENTENCE(subject.tag, String(error.message));
      expect(sentence.length).toBeLessThan(400);
      expect(sentence).toContain('1,048,576');
      // Neither the BLOB (hex) nor its bytes (TypeORM's and Sequelize's `parameters`) ride on the error.
      expect(JSON.stringify(error)).not.toMatch(/abab|171,171/i);
      expect(String(error)).not.toMatch(/abab/i);
      // Nothing of the BLOB went over the wire, and no new connection was needed.
      expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeLessThan(1024);
      expect(await connectionIdOf(db)).toBe(before);
      expect(proxy.stats.accepted).toBe(statsBefore.accepted);
      expect(db.events.some((e) => e.type === 'packet-rejected')).toBe(true);
      // A BLOB that fits still goes through: the guard is not a blanket refusal of large values.
      await db.insertBlob(Buffer.alloc(300 * 1024, 1));
    });

    it('bare (control): the BLOB is sent and the server drops the connection', async () => {
      const db = await open('bare', proxy.route(server.connection), { poolSize: 1 });
      const before = await connectionIdOf(db);
      const statsBefore = proxy.stats;
      const error = (await failureOf(db.insertBlob(blob()))) as Error & { parameters?: unknown };
      expect(error).toBeInstanceOf(Error);
      expect(String(codeOf(error))).not.toMatch(/^GONEAWAY_/);
      expect(proxy.stats.bytesToServer - statsBefore.bytesToServer).toBeGreaterThan(64 * 1024);
      BARE_SHOWS_VALUE[subject.tag]?.(error);
      expect(await connectionIdOf(db)).not.toBe(before);
    });
  });
});
