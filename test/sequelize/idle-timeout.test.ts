import { type GoneAwayEvent, stats, subscribeTo } from '@goneaway/sequelize';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, type MockInstance, vi } from 'vitest';
import {
  codeOfSequelizeError,
  connectionIdOf,
  createSequelize,
  describeWithOwnServer,
  type Side,
  sleep,
  TABLES_SQL,
} from './support.js';

/** Connections the server itself timed out (`Aborted_clients`: closed without a COM_QUIT). */
async function abortedClients(server: MariaDBServer): Promise<number> {
  const rows = await server.query<{ Value: string }>("show global status like 'Aborted_clients'");
  return Number(rows[0]?.Value);
}

/** Waits `ms` while the harness's admin connection stays busy (it must not be timed out itself). */
async function idleFor(server: MariaDBServer, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    await server.processIds();
    await sleep(Math.min(250, Math.max(0, until - performance.now())));
  }
}

// Idle past wait_timeout (2 s), and the boundary race: Sequelize through goneAwaySequelize beside bare
// Sequelize. Sequelize's pool keeps idle connections 10 s (`pool.idle`), longer than this wait_timeout.
describeWithOwnServer('Sequelize: idle past wait_timeout', () => {
  let server: MariaDBServer;
  let printed: MockInstance[] = [];

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { wait_timeout: 2 } });
    for (const sql of TABLES_SQL) await server.query(sql);
    await server.query('create table goneaway.race (id int auto_increment primary key, n int not null)');
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(() => {
    printed = (['log', 'info', 'warn', 'error'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => undefined),
    );
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const printedLines = () => printed.flatMap((spy) => spy.mock.calls.map((call) => String(call[0])));

  /** Two connections used, 3 s idle (past wait_timeout 2 s), then 3 reads and a write. */
  async function idlePastTimeout(side: Side) {
    const { sequelize, Row } = createSequelize(side, { connection: server.connection, poolMax: 4 });
    const events: GoneAwayEvent[] = [];
    if (side === 'goneaway') subscribeTo(sequelize, (event) => events.push(event));
    try {
      const idOf = async () => {
        const [rows] = await sequelize.query('select connection_id() as id, sleep(0.1)');
        return Number((rows as Array<{ id: number }>)[0]?.id);
      };
      const before = await Promise.all([idOf(), idOf()]);
      const abortedBefore = await abortedClients(server);
      await idleFor(server, 3_000);
      const aborted = (await abortedClients(server)) - abortedBefore;
      const results = await Promise.allSettled([
        ...[1, 2, 3].map((n) => sequelize.query('select ? as n', { replacements: [n] })),
        Row.create({ k: 'idle', v: 1 }),
      ]);
      const after = await connectionIdOf(sequelize);
      return {
        failures: results.filter((r) => r.status === 'rejected').length,
        before,
        after,
        aborted,
        events,
        counters: side === 'goneaway' ? stats(sequelize) : undefined,
      };
    } finally {
      await sequelize.close();
    }
  }

  /**
   * 24 instances, each with one connection, each writing again just as wait_timeout expires (2 s ±
   * 60 ms after its last query). The server closes the idle socket at 2 s; a write sent in the same
   * instant races the close.
   */
  async function boundaryRace(side: Side) {
    const tries = 24;
    const dbs = Array.from({ length: tries }, () =>
      createSequelize(side, { connection: server.connection, poolMax: 1 }),
    );
    try {
      const outcomes = await Promise.all(
        dbs.map(async ({ sequelize }, index) => {
          await sleep(index * 15);
          await sequelize.query('select 1');
          await sleep(2_000 - 60 + Math.round((120 * index) / (tries - 1)));
          return sequelize.query('insert into goneaway.race (n) values (?)', { replacements: [index] }).then(
            () => 'ok',
            (error: unknown) => codeOfSequelizeError(error),
          );
        }),
      );
      return outcomes.filter((o) => o !== 'ok');
    } finally {
      await Promise.all(dbs.map(({ sequelize }) => sequelize.close()));
    }
  }

  it('goneaway: idle connections leave with COM_QUIT before wait_timeout; the statements after all succeed; nothing printed; limits read', async () => {
    const { failures, before, after, aborted, events, counters } = await idlePastTimeout('goneaway');
    expect(failures).toBe(0);
    expect(before).not.toContain(after);
    // goneaway retired them itself, politely: the server timed out none of them.
    expect(aborted).toBe(0);
    // Retired at their idle or lifetime limit, whichever came first (both derive from wait_timeout).
    expect((counters?.evictions['idle-limit'] ?? 0) + (counters?.evictions.lifetime ?? 0)).toBe(2);
    expect(counters?.evictions.error).toBe(0);
    expect(events.filter((e) => e.type === 'evicted')).toHaveLength(2);
    expect(counters?.events['limits-discovered']).toBe(1);
    expect(printedLines()).toEqual([]);
  });

  it('goneaway: a connection used more often than its idle limit stays: its idle clock restarts with each statement', async () => {
    // No lifetime limit: by default it derives from wait_timeout too and would retire the busy connection.
    const { sequelize } = createSequelize('goneaway', {
      connection: server.connection,
      poolMax: 1,
      options: { maxLifetimeMs: false },
    });
    try {
      const first = await connectionIdOf(sequelize);
      // 3 s of statements 300 ms apart: longer than the limit derived from wait_timeout 2 s, never idle that long.
      for (let i = 0; i < 10; i++) {
        await sleep(300);
        expect(await connectionIdOf(sequelize)).toBe(first);
      }
      expect(stats(sequelize).events.evicted).toBe(0);
    } finally {
      await sequelize.close();
    }
  });

  it('goneaway: a write issued just as wait_timeout expires never fails; nothing printed', async () => {
    expect(await boundaryRace('goneaway')).toEqual([]);
    expect(printedLines()).toEqual([]);
  });

  it('bare Sequelize (control): the server times the idle connections out; the boundary race', async () => {
    const idle = await idlePastTimeout('bare');
    const race = await boundaryRace('bare');
    const lines = printedLines();
    vi.restoreAllMocks();
    console.info(
      `bare Sequelize: idle past wait_timeout ${idle.failures} of 4 failed, ${idle.aborted} connections timed out by the server; boundary race ${race.length} of 24 failed ${JSON.stringify(race.slice(0, 3))}; ${lines.length} lines printed`,
    );
    // The idle connections were closed by the server (mysql2 reports the close, Sequelize drops them):
    // neither side reuses them, but here the server had to time them out.
    expect(idle.before).not.toContain(idle.after);
    expect(idle.aborted).toBeGreaterThanOrEqual(2);
  });
});
