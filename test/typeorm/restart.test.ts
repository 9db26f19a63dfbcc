import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '@goneaway/typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeOf,
  createDataSource,
  describeWithOwnServer,
  failureOf,
  TABLES_SQL,
  TYPEORMS,
} from './support.js';

interface QueryRunnerLike {
  query(sql: string): Promise<unknown>;
  release(): Promise<void>;
}

// GONEAWAY_UNAVAILABLE as TypeORM hands it on: from a statement (QueryFailedError) and from an
// acquire (itself). The restart under load and a wrong password are test/causes/*.test.ts.
describeWithOwnServer('TypeORM: server restart and connect failures', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startMariaDB();
    for (const sql of TABLES_SQL) await server.query(sql);
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  describe.each(TYPEORMS)('goneaway on $label, server down past the outage budget', ({ orm }) => {
    it('goneaway: GONEAWAY_UNAVAILABLE once outageBudgetMs is spent: from a statement as a QueryFailedError, from an acquire as itself', async () => {
      const dataSource = createDataSource(orm, 'goneaway', {
        connection: proxy.route(server.connection),
        poolSize: 1,
        options: { outageBudgetMs: 300 },
      });
      await dataSource.initialize();
      try {
        const runner = (
          dataSource as unknown as { createQueryRunner(): QueryRunnerLike }
        ).createQueryRunner();
        await runner.query('select 1');
        await server.kill();
        // A statement on a held connection: its connection died, the re-run could not get a new one.
        const fromStatement = await failureOf(runner.query('select 2'));
        await runner.release();
        // A statement that needs a connection first: the acquire gives up, before TypeORM's try block.
        const fromAcquire = await failureOf(dataSource.query('select 3'));
        for (const error of [fromStatement, fromAcquire]) {
          expect(isDatabaseUnavailable(error)).toBe(true);
          expect(codeOf(error)).toBe('GONEAWAY_UNAVAILABLE');
        }
        expect((fromStatement as Error).name).toBe('QueryFailedError');
        expect(fromAcquire).toBeInstanceOf(DatabaseUnavailableError);
      } finally {
        await server.start();
        await dataSource.destroy().catch(() => undefined);
      }
    });
  });
});
