import { stats, wrapMysql2 } from '@goneaway/mysql2';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import mysql2Promise from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer } from './support.js';

/** COM_PINGs the server answered (MariaDB counts them in Com_admin_commands): the truth, whoever sent them. */
async function serverPings(server: MariaDBServer): Promise<number> {
  const rows = await server.query<{ Value: string }>("show global status like 'Com_admin_commands'");
  return Number(rows[0]?.Value);
}

/** Each caller runs `statement` until `total` have been started between them. */
async function run(callers: number, total: number, statement: () => Promise<unknown>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started < total) {
        started++;
        await statement();
      }
    }),
  );
}

// Own server: the ping count is the server's, global.
describeWithOwnServer('mysql2 pool: validation pings on a busy pool', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
    await server.query('create table if not exists goneaway.busy (id int auto_increment primary key, v int)');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it.each(['goneaway', 'bare'] as const)(
    '%s: 1,000 statements and transactions back to back cost no ping',
    async (side) => {
      const driver = side === 'goneaway' ? wrapMysql2(mysql2Promise) : mysql2Promise;
      const pool = driver.createPool({ ...server.connection, connectionLimit: 10 });
      try {
        await run(10, 40, () => pool.query('select sleep(0.01)'));
        const before = await serverPings(server);
        await run(1, 300, () => pool.query('select 1'));
        await run(8, 300, () => pool.execute('select ? as n', [1]));
        await run(8, 200, () => pool.query('insert into busy (v) values (1)'));
        await run(8, 200, async () => {
          const connection = await pool.getConnection();
          try {
            await connection.beginTransaction();
            await connection.query('select count(*) from busy');
            await connection.commit();
          } finally {
            connection.release();
          }
        });
        expect((await serverPings(server)) - before).toBe(0);
        if (side === 'goneaway') expect(stats(pool).validationPings).toBe(0);
      } finally {
        await pool.end();
      }
    },
  );
});
