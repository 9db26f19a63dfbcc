import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { stats } from '@goneaway/typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  codeOf,
  createDataSource,
  type DataSourceLike,
  describeWithOwnServer,
  failureOf,
  killWhenRunning,
  type Side,
  TABLES_SQL,
  TYPEORMS,
} from './support.js';

// KILL on a query runner's session (SET @x pins it): TypeORM through goneAwayTypeorm (1.x and 0.3).
// The causes every adapter shares are test/causes/kill-*.test.ts.
describeWithOwnServer('TypeORM: KILL', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
    for (const sql of TABLES_SQL) await server.query(sql);
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(async () => {
    await server.query('truncate table goneaway.t');
  });

  const _rows = async (k: string) =>
    Number(
      (await server.query<{ n: number }>('select count(*) as n from goneaway.t where k = ?', [k]))[0]?.n,
    );

  async function withDataSource<T>(
    orm: (typeof TYPEORMS)[number]['orm'],
    side: Side,
    body: (dataSource: DataSourceLike) => Promise<T>,
    poolSize = 2,
  ): Promise<T> {
    const dataSource = createDataSource(orm, side, { connection: server.connection, poolSize });
    await dataSource.initialize();
    try {
      return await body(dataSource);
    } finally {
      await dataSource.destroy().catch(() => undefined);
    }
  }

  describe.each(TYPEORMS)('goneaway on $label', ({ orm }) => {
    it("goneaway: after SET @x on a query runner's session, a killed read on it is not run again elsewhere: GONEAWAY_CONNECTION_LOST", async () => {
      await withDataSource(orm, 'goneaway', async (dataSource) => {
        const runner = (
          dataSource as unknown as {
            createQueryRunner(): {
              query(sql: string): Promise<unknown>;
              release(): Promise<void>;
            };
          }
        ).createQueryRunner();
        try {
          await runner.query('SET @tenant = 7');
          const read = failureOf(runner.query('select sleep(1) as s, 42 as answer'));
          await killWhenRunning(server, 'select sleep(1)%');
          const error = await read;
          expect(codeOf(error)).toBe('GONEAWAY_CONNECTION_LOST');
          expect(stats(dataSource).events.retry).toBe(0);
        } finally {
          await runner.release();
        }
      });
    });
  });
});
