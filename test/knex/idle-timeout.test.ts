import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, open, type Side, sleep } from './support.js';

// Behaviours 1 and 2 of the knex plugin: idle past wait_timeout, and the boundary race.
describeWithOwnServer('idle past wait_timeout', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { wait_timeout: 2 } });
    await server.query('create table goneaway.race (id int auto_increment primary key, n int not null)');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  async function idleThenQuery(side: Side) {
    const { db, lines, events } = open(side, { connection: server.connection, pool: { min: 2, max: 4 } });
    try {
      await Promise.all([db.raw('select 1'), db.raw('select 2')]);
      await sleep(3_000);
      const results = await Promise.allSettled([1, 2, 3].map((n) => db.raw('select ? as n', [n])));
      return { results, lines, events };
    } finally {
      await db.destroy();
    }
  }

  it('goneaway: queries after an idle period succeed and nothing is printed', async () => {
    const { results, lines, events } = await idleThenQuery('goneaway');
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(lines).toEqual([]);
    const discovered = events.find((e) => e.type === 'limits-discovered');
    expect(discovered?.type === 'limits-discovered' && discovered.limits.waitTimeoutSeconds).toBe(2);
    // The idle connections were retired by goneaway (idle or lifetime limit) before the server closed them.
    const evictions = events.filter((e) => e.type === 'evicted');
    expect(evictions.length).toBeGreaterThanOrEqual(2);
    for (const e of evictions)
      expect(e.type === 'evicted' && ['idle-limit', 'lifetime']).toContain(e.type === 'evicted' && e.reason);
  });

  it('bare knex (control): the same idle period prints "Connection Error"', async () => {
    const { results, lines } = await idleThenQuery('bare');
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(lines.some((line) => line.includes('Connection Error'))).toBe(true);
  });

  it('derives limits below wait_timeout from the server (a user value above it is capped, with an event)', async () => {
    const { db, events } = open(
      'goneaway',
      { connection: server.connection, pool: { min: 0, max: 1 } },
      { idleLimitMs: 60_000 },
    );
    try {
      await db.raw('select 1');
      const discovered = events.find((e) => e.type === 'limits-discovered');
      expect(discovered?.type).toBe('limits-discovered');
      if (discovered?.type !== 'limits-discovered') return;
      expect(discovered.derived.idleLimitMs).toBeLessThan(2_000);
      expect(discovered.derived.idleLimitMs).toBeGreaterThan(1_000);
      expect(discovered.derived.idleSource).toBe('user-capped');
      const capped = events.find((e) => e.type === 'limit-capped');
      expect(capped?.type === 'limit-capped' && capped.requestedMs).toBe(60_000);
    } finally {
      await db.destroy();
    }
  });

  /**
   * 24 pools, each with one connection, each writing again just as wait_timeout expires
   * (2 s ± 60 ms after its first query). The server closes the idle socket at 2 s; a query sent in the
   * same instant races the close.
   */
  async function boundaryRace(side: Side) {
    const tries = 24;
    const pools = Array.from({ length: tries }, () =>
      open(side, { connection: server.connection, pool: { min: 1, max: 1 } }),
    );
    try {
      const outcomes = await Promise.all(
        pools.map(async ({ db }, index) => {
          await sleep(index * 15);
          await db.raw('select 1');
          await sleep(2_000 - 60 + Math.round((120 * index) / (tries - 1)));
          // A write: unlike a read, it must not be sent on a connection the server is closing.
          return db('race')
            .insert({ n: index })
            .then(
              () => 'ok',
              (error: unknown) => String((error as Error).message).slice(0, 80),
            );
        }),
      );
      return { failures: outcomes.filter((o) => o !== 'ok'), lines: pools.flatMap((p) => p.lines) };
    } finally {
      await Promise.all(pools.map(({ db }) => db.destroy()));
    }
  }

  it('goneaway: a query issued just as wait_timeout expires never fails', async () => {
    const { failures, lines } = await boundaryRace('goneaway');
    expect(failures).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('bare knex (control): at the boundary the server closes connections under the pool', async () => {
    const { failures, lines } = await boundaryRace('bare');
    // Each try either fails outright or was saved only by knex noticing the close (and printing it).
    expect(failures.length + lines.filter((l) => l.includes('Connection Error')).length).toBeGreaterThan(0);
  });
});
