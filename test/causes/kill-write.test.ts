import { findGoneAwayError, isConnectionLost } from '@goneaway/core';
import type { MariaDBServer } from '@goneaway/test-harness';
import { describe, expect, it } from 'vitest';
import { codeOf, SUBJECTS } from './subjects.js';
import {
  describeWithOwnServer,
  failureOf,
  killWhenRunning,
  openEach,
  rowsOf,
  sleep,
  useCauseServer,
} from './support.js';

/** The class an application catches for goneaway's ConnectionLostError, as each library hands it on. */
const CAUGHT_NAME: Record<string, string> = {
  knex: 'ConnectionLostError',
  mysql2: 'ConnectionLostError',
  typeorm1: 'QueryFailedError',
  typeorm03: 'QueryFailedError',
  prisma: 'PrismaClientKnownRequestError',
  sequelize: 'SequelizeDatabaseError',
};
/** What each bare library rejects the killed write with. */
const BARE_CODE: Record<string, string> = {
  knex: 'PROTOCOL_CONNECTION_LOST',
  mysql2: 'PROTOCOL_CONNECTION_LOST',
  typeorm1: 'PROTOCOL_CONNECTION_LOST',
  typeorm03: 'PROTOCOL_CONNECTION_LOST',
  prisma: 'P2010',
  sequelize: 'PROTOCOL_CONNECTION_LOST',
};
/** Whether the bare library's error carries the bound value (in its message, `sql` or `parameters`). */
const BARE_LEAKS_VALUE: Record<string, boolean> = {
  knex: true,
  mysql2: false,
  typeorm1: true,
  typeorm03: true,
  prisma: false,
  sequelize: true,
};

const WRITE = 'insert into t (k, v) values (?, sleep(1))';

/** Whether the value shows anywhere an application would log it. */
function carries(error: unknown, value: string): boolean {
  const e = error as { message?: unknown; sql?: unknown; parameters?: unknown; stack?: unknown };
  return [
    JSON.stringify(error),
    String(e.message),
    String(e.sql),
    JSON.stringify(e.parameters ?? null),
    String(e.stack),
  ].some((text) => text.includes(value));
}

// KILL of the connection while a write runs on it: the write may or may not have happened, so
// goneaway never runs it again: GONEAWAY_CONNECTION_LOST, typed, no value in it, never a duplicate.
describeWithOwnServer('cause: KILL during a write', () => {
  let server: MariaDBServer;
  useCauseServer((started) => {
    server = started;
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    const open = openEach(subject);

    it('goneaway: not run again: GONEAWAY_CONNECTION_LOST, no value in the error, no row; the pool goes on', async () => {
      const db = await open('goneaway', server.connection);
      const value = `${subject.tag}-w1-secret-value`;
      const write = failureOf(db.execute(WRITE, [value]));
      await killWhenRunning(server, 'insert into t%');
      const error = await write;
      expect(codeOf(error)).toBe('GONEAWAY_CONNECTION_LOST');
      expect(isConnectionLost(findGoneAwayError(error))).toBe(true);
      expect((error as Error).name).toBe(CAUGHT_NAME[subject.tag]);
      expect(carries(error, value)).toBe(false);
      // TypeORM keeps goneaway's own error as driverError (its code copied onto the QueryFailedError).
      if (subject.tag.startsWith('typeorm'))
        expect(isConnectionLost((error as { driverError?: unknown }).driverError)).toBe(true);
      await sleep(200);
      // The KILL aborted it, and nothing ran it again.
      expect(await rowsOf(server, value)).toBe(0);
      expect(db.stats().events.retry).toBe(0);
      expect(db.stats().evictions.error).toBe(1);
      expect(await db.read('select 1 as one')).toEqual([{ one: 1 }]);
    });

    it("bare (control): the killed write rejects with the driver's error", async () => {
      const db = await open('bare', server.connection);
      const value = `${subject.tag}-w0-secret-value`;
      const write = failureOf(db.execute(WRITE, [value]));
      await killWhenRunning(server, 'insert into t%');
      const error = await write;
      expect(error).toBeInstanceOf(Error);
      expect(codeOf(error)).toBe(BARE_CODE[subject.tag]);
      expect(carries(error, value)).toBe(BARE_LEAKS_VALUE[subject.tag]);
      await sleep(200);
      expect(await rowsOf(server, value)).toBe(0);
    });
  });
});
