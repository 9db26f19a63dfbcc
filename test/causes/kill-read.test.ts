import type { MariaDBServer } from '@goneaway/test-harness';
import { describe, expect, it } from 'vitest';
import { codeOf, SUBJECTS } from './subjects.js';
import { describeWithOwnServer, failureOf, killWhenRunning, openEach, useCauseServer } from './support.js';

/** What each bare library rejects a killed read with (the code an application reads). */
const BARE_CODE: Record<string, string> = {
  knex: 'PROTOCOL_CONNECTION_LOST',
  mysql2: 'PROTOCOL_CONNECTION_LOST',
  typeorm1: 'PROTOCOL_CONNECTION_LOST',
  typeorm03: 'PROTOCOL_CONNECTION_LOST',
  prisma: 'P2010',
  sequelize: 'PROTOCOL_CONNECTION_LOST',
};

// KILL of the connection while a read runs on it: goneaway runs the read again on a fresh
// connection and returns its rows; the bare library rejects.
describeWithOwnServer('cause: KILL during a read', () => {
  let server: MariaDBServer;
  useCauseServer((started) => {
    server = started;
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    const open = openEach(subject);

    it('goneaway: the read is run again on a fresh connection and its rows returned; the killed connection is evicted', async () => {
      const db = await open('goneaway', server.connection);
      const read = db.read('select sleep(1) as s, 42 as answer');
      await killWhenRunning(server, 'select sleep(1)%');
      expect(await read).toEqual([{ s: 0, answer: 42 }]);
      expect(db.stats().events.retry).toBe(1);
      expect(db.stats().evictions.error).toBe(1);
      expect(db.events.filter((e) => e.type === 'retry')).toHaveLength(1);
    });

    it('bare (control): the killed read rejects', async () => {
      const db = await open('bare', server.connection);
      const read = failureOf(db.read('select sleep(1) as s, 42 as answer'));
      await killWhenRunning(server, 'select sleep(1)%');
      const error = await read;
      expect(error).toBeInstanceOf(Error);
      expect(codeOf(error)).toBe(BARE_CODE[subject.tag]);
    });
  });
});
