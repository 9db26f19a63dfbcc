import { type MariaDBServer, sharedServer } from '@goneaway/test-harness';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Opened, type Side, SUBJECTS } from './subjects.js';
import { errnoOf, failureOf } from './support.js';

const SECRET = 'not-the-password-x9q';

/**
 * How each library reports the refusal: the server's 1045 on the driver's error, or Prisma's P1000.
 * mariadb (under Prisma) reports it only when its acquireTimeout ends, and until then a call waits
 * for the first connection within the outage budget: kept below the budget, the refusal comes first.
 */
const PRISMA_ACQUIRE_TIMEOUT_MS = 2_000;

/** Pools whose stats() count connect attempts (TypeORM's DataSource never initialized; mariadb's pool is its own). */
const COUNTS_CONNECTS: ReadonlySet<string> = new Set(['mysql2', 'sequelize']);

// A wrong password is a configuration error, not an outage: goneaway fails it at once, typed, with
// no retry storm and no password in any message.
describe('cause: a wrong password', () => {
  let server: MariaDBServer;
  beforeAll(() => {
    server = sharedServer();
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    let db: Opened | undefined;
    afterEach(async () => {
      await db?.close().catch(() => undefined);
      db = undefined;
    });
    const open = async (side: Side) => {
      db = await subject.open(
        side,
        { ...server.connection, password: SECRET },
        { poolSize: 1, acquireTimeoutMs: PRISMA_ACQUIRE_TIMEOUT_MS },
      );
      return db;
    };
    const refusal = (error: unknown) => {
      const e = error as Error & { code?: unknown };
      if (subject.tag === 'prisma') {
        expect(e.code).toBe('P1000');
        expect(e.message).toContain('Authentication failed');
      } else expect(errnoOf(error)).toBe(1045);
    };

    it('goneaway: fails fast, not retried, and no message carries the password', async () => {
      const opened = await open('goneaway');
      const started = performance.now();
      const error = (await failureOf(opened.count('wrong-password'))) as Error;
      const firstMs = performance.now() - started;
      const again = performance.now();
      const second = await failureOf(opened.count('wrong-password'));
      const secondMs = performance.now() - again;
      for (const e of [error, second]) {
        refusal(e);
        expect(String((e as Error).message)).not.toContain(SECRET);
        expect(JSON.stringify(e)).not.toContain(SECRET);
        expect(String((e as Error).stack)).not.toContain(SECRET);
      }
      // mariadb (Prisma) says so only when its acquireTimeout ends (and the first call may have waited
      // for the adapter's first connection before); the others answer at once.
      if (subject.tag === 'prisma') expect(secondMs).toBeLessThan(PRISMA_ACQUIRE_TIMEOUT_MS + 1_000);
      else expect(Math.max(firstMs, secondMs)).toBeLessThan(1_000);
      // The refusal itself is never retried.
      expect(
        opened.events.filter((e) => e.type === 'retry' && e.classification.kind === 'auth-failed'),
      ).toEqual([]);
      // One connect per call, none again.
      if (COUNTS_CONNECTS.has(subject.tag)) expect(opened.stats().connectAttempts).toBe(2);
      if (subject.tag === 'sequelize') expect(error.name).toBe('SequelizeAccessDeniedError');
      for (const line of opened.logged()) expect(line).not.toContain(SECRET);
    });

    it('bare (control): the refusal, as the library reports it', async () => {
      const opened = await open('bare');
      const error = (await failureOf(opened.count('wrong-password'))) as Error;
      if (subject.tag === 'prisma') expect((error as { code?: unknown }).code).not.toBe('P1000');
      else expect(errnoOf(error)).toBe(1045);
      if (subject.tag === 'sequelize') expect(error.name).toBe('SequelizeAccessDeniedError');
      expect(String(error.message)).not.toContain(SECRET);
    });
  });
});
