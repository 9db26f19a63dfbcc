import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { stats } from '@goneaway/typeorm';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import {
  BARE_TYPEORM,
  createDataSource,
  type DataSourceLike,
  describeWithOwnServer,
  type LoggedCalls,
  type Side,
  sleep,
  TABLES_SQL,
  TYPEORMS,
} from './support.js';

type Orm = (typeof TYPEORMS)[number]['orm'];

// Idle past wait_timeout (2 s), and the boundary race: TypeORM through goneAwayTypeorm (1.x and 0.3)
// beside bare TypeORM 1.x. "Nothing printed": neither TypeORM's logger nor the console hear a word.
describeWithOwnServer('TypeORM: idle past wait_timeout', () => {
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

  /** Two connections used, 3 s idle (past wait_timeout 2 s), then 3 reads and a write: failures. */
  async function idlePastTimeout(orm: Orm, side: Side, logged: LoggedCalls) {
    const dataSource = createDataSource(orm, side, { connection: server.connection, poolSize: 4, logged });
    await dataSource.initialize();
    try {
      const idOf = (sql: string) =>
        dataSource.query<Array<{ id: number }>>(sql).then((rows) => Number(rows[0]?.id));
      const before = await Promise.all([1, 2].map(() => idOf('select connection_id() as id, sleep(0.1)')));
      await sleep(3_000);
      const results = await Promise.allSettled([
        ...[1, 2, 3].map((n) => dataSource.query('select ? as n', [n])),
        dataSource.getRepository('Row').insert({ k: 'idle', v: 1 }),
      ]);
      const after = await idOf('select connection_id() as id');
      const discovered = side === 'goneaway' ? stats(dataSource).events['limits-discovered'] : 0;
      return { failures: results.filter((r) => r.status === 'rejected').length, before, after, discovered };
    } finally {
      await dataSource.destroy();
    }
  }

  /**
   * 24 DataSources, each with one connection, each writing again just as wait_timeout expires
   * (2 s ± 60 ms after its last query). The server closes the idle socket at 2 s; a write sent in the
   * same instant races the close.
   */
  async function boundaryRace(orm: Orm, side: Side, logged: LoggedCalls) {
    const tries = 24;
    const dataSources: DataSourceLike[] = Array.from({ length: tries }, () =>
      createDataSource(orm, side, { connection: server.connection, poolSize: 1, logged }),
    );
    try {
      const outcomes = await Promise.all(
        dataSources.map(async (dataSource, index) => {
          await sleep(index * 15);
          await dataSource.initialize();
          await dataSource.query('select 1');
          await sleep(2_000 - 60 + Math.round((120 * index) / (tries - 1)));
          return dataSource.query('insert into goneaway.race (n) values (?)', [index]).then(
            () => 'ok',
            (error: unknown) => String((error as Error).message).slice(0, 80),
          );
        }),
      );
      return outcomes.filter((o) => o !== 'ok');
    } finally {
      await Promise.all(dataSources.map((d) => (d.isInitialized ? d.destroy() : undefined)));
    }
  }

  describe.each(TYPEORMS)('goneaway on $label', ({ orm }) => {
    it('goneaway: statements after an idle period past wait_timeout all succeed; nothing printed; limits read from the server', async () => {
      const logged: LoggedCalls = { calls: [] };
      const { failures, before, after, discovered } = await idlePastTimeout(orm, 'goneaway', logged);
      expect(failures).toBe(0);
      // The idle connections really were closed: none of them is used again.
      expect(before).not.toContain(after);
      expect(logged.calls).toEqual([]);
      expect(printedLines()).toEqual([]);
      // The server's limits were read (mysql2's pool itself drops a connection the server closed).
      expect(discovered).toBe(1);
    });

    it('goneaway: a write issued just as wait_timeout expires never fails; nothing printed', async () => {
      const logged: LoggedCalls = { calls: [] };
      expect(await boundaryRace(orm, 'goneaway', logged)).toEqual([]);
      expect(logged.calls).toEqual([]);
      expect(printedLines()).toEqual([]);
    });
  });

  describe(`bare ${BARE_TYPEORM.label} (control)`, () => {
    it('bare (control): idle past wait_timeout, and the boundary race', async () => {
      const logged: LoggedCalls = { calls: [] };
      const idle = await idlePastTimeout(BARE_TYPEORM.orm, 'bare', logged);
      const idleLogged = logged.calls.length;
      const race = await boundaryRace(BARE_TYPEORM.orm, 'bare', logged);
      vi.restoreAllMocks();
      console.info(
        `bare TypeORM: idle past wait_timeout ${idle.failures} of 4 failed, ${idleLogged} logger warnings; boundary race ${race.length} of 24 failed, ${logged.calls.length - idleLogged} logger warnings; e.g. ${JSON.stringify(logged.calls[0] ?? race[0] ?? null)}`,
      );
      // Measured: 0 failures and nothing logged (mysql2's pool drops a connection the moment the
      // server closes it). What this control proves is the scenario itself: the idle connections were
      // closed by the server, so neither side reuses them.
      expect(idle.before).not.toContain(idle.after);
    });
  });
});
