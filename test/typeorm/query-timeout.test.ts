import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { isGoneAwayError, stats } from '@goneaway/typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BARE_TYPEORM,
  createDataSource,
  type DataSourceLike,
  describeWithOwnServer,
  failureOf,
  type Side,
  TYPEORMS,
} from './support.js';

// TypeORM's own contract (its test "enableQueryTimeout … should throw a query execution timeout
// error"): with `enableQueryTimeout` and `maxQueryExecutionTime`, a statement over the limit rejects
// with mysql2's PROTOCOL_SEQUENCE_TIMEOUT as `driverError.code`. goneaway must keep that error (it
// is the application's own limit, not a lost connection) and still drop the connection, whose
// statement may go on running on the server.
describeWithOwnServer('TypeORM: enableQueryTimeout keeps its timeout error', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const cases: Array<{ label: string; orm: (typeof TYPEORMS)[number]['orm']; side: Side }> = [
    { label: 'bare TypeORM 1.x', orm: BARE_TYPEORM.orm, side: 'bare' },
    ...TYPEORMS.map(({ label, orm }) => ({ label: `goneaway, ${label}`, orm, side: 'goneaway' as Side })),
  ];

  describe.each(cases)('$label', ({ orm, side }) => {
    let dataSource: DataSourceLike;

    beforeAll(async () => {
      dataSource = createDataSource(orm, side, {
        connection: server.connection,
        dataSourceOptions: { enableQueryTimeout: true, maxQueryExecutionTime: 100 },
      });
      await dataSource.initialize();
    });
    afterAll(async () => {
      await dataSource?.destroy();
    });

    it('a statement over maxQueryExecutionTime rejects with PROTOCOL_SEQUENCE_TIMEOUT, and the next one works', async () => {
      const error = (await failureOf(dataSource.manager.query('SELECT SLEEP(0.5)'))) as {
        driverError?: { code?: unknown };
      };
      expect(error).toBeDefined();
      expect(isGoneAwayError(error)).toBe(false);
      expect(error.driverError?.code).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
      await expect(dataSource.manager.query('SELECT SLEEP(0.01) AS slept')).resolves.toEqual([{ slept: 0 }]);
      if (side === 'goneaway') expect(stats(dataSource as never).evictions.error).toBeGreaterThanOrEqual(1);
    });
  });
});
