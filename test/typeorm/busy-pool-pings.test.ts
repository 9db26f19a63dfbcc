import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { stats } from '@goneaway/typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BARE_TYPEORM, createDataSource, describeWithOwnServer, TABLES_SQL } from './support.js';

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
describeWithOwnServer('TypeORM: validation pings on a busy pool', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
    for (const sql of TABLES_SQL) await server.query(sql);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it.each(['goneaway', 'bare'] as const)(
    `%s (${BARE_TYPEORM.label}): 1,000 statements and transactions back to back cost no ping`,
    async (side) => {
      const dataSource = createDataSource(BARE_TYPEORM.orm, side, {
        connection: server.connection,
        poolSize: 10,
      });
      await dataSource.initialize();
      try {
        await run(10, 40, () => dataSource.query('select sleep(0.01)'));
        const before = await serverPings(server);
        await run(1, 300, () => dataSource.query('select 1'));
        await run(8, 300, () => dataSource.query('select 1'));
        await run(8, 200, () => dataSource.getRepository('Row').insert({ k: 'busy', v: 1 }));
        await run(8, 200, () => dataSource.transaction((manager) => manager.getRepository('Row').count()));
        expect((await serverPings(server)) - before).toBe(0);
        if (side === 'goneaway') expect(stats(dataSource as never).validationPings).toBe(0);
      } finally {
        await dataSource.destroy();
      }
    },
  );
});
