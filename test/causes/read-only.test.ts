import { classify } from '@goneaway/core';
import type { MariaDBServer } from '@goneaway/test-harness';
import { afterEach, describe, expect, it } from 'vitest';
import { type Opened, type Side, SUBJECTS } from './subjects.js';
import { connectionIdOf, describeWithOwnServer, errnoOf, failureOf, useCauseServer } from './support.js';

/** mysql2's own pool.query() drops a connection that answered 1290 (Aurora's failover error) too. */
const BARE_DROPS: ReadonlySet<string> = new Set(['mysql2']);
/**
 * classify() reads the driver's error where the library keeps it (Prisma's PrismaClientKnownRequestError:
 * meta.driverAdapterError.cause).
 */

// The server turned read-only under the pool (a failover demoted it): the write fails with the
// server's 1290, classified read-only, and goneaway evicts the connection (DNS now points at the new
// primary); the bare pool keeps it.
describeWithOwnServer('cause: the server turned read-only', () => {
  let server: MariaDBServer;
  useCauseServer((started) => {
    server = started;
  });
  afterEach(async () => {
    await server.query('set global read_only = 0');
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    let db: Opened | undefined;
    afterEach(async () => {
      await db?.close().catch(() => undefined);
      db = undefined;
    });

    async function writeWhileReadOnly(side: Side) {
      db = await subject.open(side, server.connection, { poolSize: 1 });
      const before = await connectionIdOf(db);
      await server.query('set global read_only = 1');
      const error = await failureOf(db.insert(`${subject.tag}-ro`, 1));
      const after = await connectionIdOf(db);
      await server.query('set global read_only = 0');
      await db.insert(`${subject.tag}-ro`, 2);
      return { error, before, after };
    }

    it('goneaway: the write fails with the classified read-only error (1290); the connection is evicted with an event', async () => {
      const { error, before, after } = await writeWhileReadOnly('goneaway');
      expect(classify(error).kind).toBe('read-only');
      expect(errnoOf(error)).toBe(1290);
      expect(after).not.toBe(before);
      const evicted = db?.events.filter((e) => e.type === 'evicted');
      expect(evicted?.map((e) => e.type === 'evicted' && [e.reason, e.classification?.kind])).toEqual([
        ['read-only', 'read-only'],
      ]);
    });

    it("bare (control): the same write fails with 1290; the connection stays in the pool (but for mysql2's pool.query)", async () => {
      const { error, before, after } = await writeWhileReadOnly('bare');
      expect(errnoOf(error)).toBe(1290);
      if (BARE_DROPS.has(subject.tag)) expect(after).not.toBe(before);
      else expect(after).toBe(before);
    });
  });
});
