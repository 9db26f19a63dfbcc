import { type GoneAwayEvent, stats, subscribeTo, wrapMysql2 } from '@goneaway/mysql2';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import mysql2Promise from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, sleep, waitFor } from './support.js';

type Side = 'bare' | 'goneaway';

// Idle past wait_timeout (2 s), and the boundary race. No bare control here: mysql2's pool drops a
// connection the moment the server closes it, and measured 0 of 24 boundary-race writes failing on
// the bare pool too (it fails on KILL, restart and packet size instead: see the other files).
describeWithOwnServer('mysql2 pool: idle past wait_timeout', () => {
  let server: MariaDBServer;
  const wrapped = wrapMysql2(mysql2Promise);

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { wait_timeout: 2 } });
    await server.query('create table goneaway.race (id int auto_increment primary key, n int not null)');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const createPool = (side: Side, connectionLimit: number) =>
    (side === 'bare' ? mysql2Promise : wrapped).createPool({ ...server.connection, connectionLimit });

  it('goneaway: queries after an idle period past wait_timeout all succeed; limits read from the server', async () => {
    const pool = createPool('goneaway', 4);
    const events: GoneAwayEvent[] = [];
    subscribeTo(pool, (event) => events.push(event));
    try {
      const idOf = (sql: string) =>
        pool.query(sql).then(([rows]) => Number((rows as Array<{ id: number }>)[0]?.id));
      const before = await Promise.all([1, 2].map(() => idOf('select connection_id() as id, sleep(0.1)')));
      await sleep(3_000);
      const results = await Promise.allSettled([1, 2, 3].map((n) => pool.query('select ? as n', [n])));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      // The idle connections really were closed: none of them is used again.
      const after = await idOf('select connection_id() as id');
      expect(before).not.toContain(after);
      const discovered = events.find((e) => e.type === 'limits-discovered');
      expect(discovered?.type === 'limits-discovered' && discovered.limits.waitTimeoutSeconds).toBe(2);
      expect(discovered?.type === 'limits-discovered' && discovered.derived.idleLimitMs).toBeLessThan(2_000);
    } finally {
      await pool.end();
    }
  });

  const abortedClients = async () =>
    Number((await server.query<{ Value: string }>("show global status like 'Aborted_clients'"))[0]?.Value);

  /** Opens `count` connections at once and returns their session ids. */
  const openConnections = async (pool: ReturnType<typeof createPool>, count: number) =>
    Promise.all(
      Array.from({ length: count }, () =>
        pool
          .query('select connection_id() as id, sleep(0.1)')
          .then(([rows]) => Number((rows as Array<{ id: number }>)[0]?.id)),
      ),
    );

  const closedOnServer = (ids: readonly number[]) =>
    waitFor(
      async () => (await server.processIds()).every((id) => !ids.includes(id)),
      'the idle connections to be closed',
    );

  it('goneaway: idle connections leave the pool with COM_QUIT before wait_timeout; the server never times one out', async () => {
    const pool = createPool('goneaway', 3);
    try {
      const abortedBefore = await abortedClients();
      const ids = await openConnections(pool, 3);
      expect(new Set(ids).size).toBe(3);
      await closedOnServer(ids);
      // A connection the server closes for wait_timeout counts as an aborted client; a COM_QUIT does not.
      expect(await abortedClients()).toBe(abortedBefore);
      const counters = stats(pool);
      // Retired at their idle or lifetime limit, whichever came first (both derive from wait_timeout).
      expect(counters.evictions['idle-limit'] + counters.evictions.lifetime).toBe(3);
      expect(counters.evictions.error).toBe(0);
      // The pool goes on with new connections.
      const [rows] = await pool.query('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('bare mysql2 pool (control): the server closes the idle connections at wait_timeout (aborted clients)', async () => {
    const pool = createPool('bare', 3);
    try {
      const abortedBefore = await abortedClients();
      const ids = await openConnections(pool, 3);
      await closedOnServer(ids);
      expect(await abortedClients()).toBe(abortedBefore + 3);
    } finally {
      await pool.end();
    }
  });

  /**
   * 24 pools, each with one connection, each writing again just as wait_timeout expires
   * (2 s ± 60 ms after its first query). The server closes the idle socket at 2 s; a write sent in the
   * same instant races the close.
   */
  async function boundaryRace(side: Side) {
    const tries = 24;
    const pools = Array.from({ length: tries }, () => createPool(side, 1));
    try {
      const outcomes = await Promise.all(
        pools.map(async (pool, index) => {
          await sleep(index * 15);
          await pool.query('select 1');
          await sleep(2_000 - 60 + Math.round((120 * index) / (tries - 1)));
          return pool.query('insert into goneaway.race (n) values (?)', [index]).then(
            () => 'ok',
            (error: unknown) => String((error as Error).message).slice(0, 80),
          );
        }),
      );
      return outcomes.filter((o) => o !== 'ok');
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  }

  it('goneaway: a write issued just as wait_timeout expires never fails', async () => {
    expect(await boundaryRace('goneaway')).toEqual([]);
  });
});
