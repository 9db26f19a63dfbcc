import { GoneAwayConfigError, goneAway, isGoneAwayConfigError } from '@goneaway/knex';
import { sharedServer } from '@goneaway/test-harness';
import knex from 'knex';
import { describe, expect, it } from 'vitest';
import { open } from './support.js';

// Behaviour 15 of the knex plugin: the user's hooks, pool settings and knex events keep working; destroy leaves nothing.
describe('composition with the user config (shared server)', () => {
  const server = sharedServer();

  it("runs the user's afterCreate after goneaway's, and a failing afterCreate fails the connect with its error", async () => {
    const calls: string[] = [];
    const { db } = open('goneaway', {
      connection: server.connection,
      pool: {
        min: 0,
        max: 1,
        afterCreate: (
          conn: { query: (sql: string, cb: (err: unknown) => void) => void },
          done: (err: unknown, conn: unknown) => void,
        ) => {
          calls.push('afterCreate');
          conn.query('set @goneaway_user_hook = 41 + 1', (err) => done(err, conn));
        },
      },
    });
    try {
      const [[row]] = await db.raw('select @goneaway_user_hook as v');
      expect(row.v).toBe(42);
      expect(calls).toEqual(['afterCreate']);
    } finally {
      await db.destroy();
    }
    const failing = open('goneaway', {
      connection: server.connection,
      pool: {
        min: 0,
        max: 1,
        afterCreate: (_conn: unknown, done: (err: unknown) => void) => done(new Error('user hook says no')),
      },
      acquireConnectionTimeout: 2_000,
    });
    try {
      await expect(failing.db.raw('select 1')).rejects.toThrow('user hook says no');
    } finally {
      await failing.db.destroy();
    }
  });

  it("runs the user's validate on acquire (after goneaway's); false evicts the connection", async () => {
    let validations = 0;
    let refuseNext = false;
    const { db } = open('goneaway', {
      connection: server.connection,
      pool: {
        min: 0,
        max: 1,
        validate: () => {
          validations++;
          if (refuseNext) {
            refuseNext = false;
            return false;
          }
          return true;
        },
      },
    });
    try {
      const [[a]] = await db.raw('select connection_id() as id');
      const [[b]] = await db.raw('select connection_id() as id');
      expect(b.id).toBe(a.id);
      refuseNext = true;
      const [[c]] = await db.raw('select connection_id() as id');
      expect(c.id).not.toBe(a.id);
      expect(validations).toBeGreaterThanOrEqual(3);
    } finally {
      await db.destroy();
    }
  });

  it('keeps pool min/max, acquireConnectionTimeout and knex events', async () => {
    const seen: string[] = [];
    const { db } = open('goneaway', {
      connection: server.connection,
      pool: { min: 0, max: 2 },
      acquireConnectionTimeout: 300,
    });
    db.on('query', () => seen.push('query'));
    db.on('query-response', () => seen.push('query-response'));
    db.on('query-error', () => seen.push('query-error'));
    try {
      await db.raw('select 1');
      await db.raw('select * from no_such_table').catch(() => undefined);
      expect(seen).toEqual(['query', 'query-response', 'query', 'query-error']);
      // Two connections held: a third acquire times out after acquireConnectionTimeout, as in knex.
      const client = db.client as {
        acquireConnection(): Promise<unknown>;
        releaseConnection(c: unknown): Promise<void>;
      };
      const held = [await client.acquireConnection(), await client.acquireConnection()];
      const started = performance.now();
      await expect(db.raw('select 1')).rejects.toThrow(/Timeout acquiring a connection/);
      expect(performance.now() - started).toBeLessThan(3_000);
      for (const c of held) await client.releaseConnection(c);
    } finally {
      await db.destroy();
    }
  });

  it('accepts the connection as an object, a URL string or a function, and leaves pool untouched', async () => {
    const url = server.url;
    const forms = [server.connection, url, async () => ({ ...server.connection })];
    for (const connection of forms) {
      const pool = { min: 0, max: 1 };
      const config = goneAway({ client: 'mysql2', connection, pool });
      // The hooks are composed by the client, per knex instance: tarn never sees a key it does not know.
      expect(config.pool).toBe(pool);
      expect(pool).toEqual({ min: 0, max: 1 });
      const db = knex(config);
      try {
        const [[row]] = await db.raw('select 1 + 1 as two');
        expect(row.two).toBe(2);
      } finally {
        await db.destroy();
      }
    }
  });

  it('rejects a client other than mysql2 and invalid options with GoneAwayConfigError', () => {
    expect(() => goneAway({ client: 'pg', connection: {} })).toThrow(GoneAwayConfigError);
    const error = (() => {
      try {
        goneAway({ client: 'mysql2', connection: {} }, { outageBudgetMs: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('outageBudgetMs');
  });

  it('db.destroy() leaves no socket or timer behind', async () => {
    const count = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
    const before = count();
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 2, max: 4 } });
    await Promise.all([1, 2, 3, 4].map((n) => db.raw('select ? as n', [n])));
    expect(count()).toBeGreaterThan(before);
    await db.destroy();
    // Sockets finish closing a moment after COM_QUIT is answered.
    const deadline = performance.now() + 3_000;
    while (count() > before && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(count()).toBeLessThanOrEqual(before);
  });
});
