import { wrapMysql2 } from '@goneaway/mysql2';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import mysql2Promise from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer } from './support.js';

// statementTimeoutMs on a mysql2 pool; the half-open idle connection itself is test/causes/half-open.test.ts.
describeWithOwnServer('mysql2 pool: half-open connections', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startMariaDB();
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  it('goneaway: statementTimeoutMs ends a slow statement and its connection is never handed out again', async () => {
    const pool = wrapMysql2(mysql2Promise, { statementTimeoutMs: 300 }).createPool({
      ...server.connection,
      connectionLimit: 1,
    });
    try {
      const idOf = async () =>
        Number(((await pool.query('select connection_id() as id'))[0] as Array<{ id: number }>)[0]?.id);
      const before = await idOf();
      const started = performance.now();
      const error = await pool.query('select sleep(3)').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(performance.now() - started).toBeLessThan(2_000);
      expect((error as { code?: string }).code).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
      expect(await idOf()).not.toBe(before);
    } finally {
      await pool.end();
    }
  });
});
