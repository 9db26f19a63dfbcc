import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, open, sleep } from './support.js';

// Behaviour 13 of the knex plugin: too many connections for the user. The restart under load, the
// outage budget, refused at start and a wrong password are test/causes/*.test.ts.
describeWithOwnServer('server restart and connect failures', () => {
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

  it('goneaway: too many connections for the user is retried until a slot frees up', async () => {
    await server.query(
      "create user if not exists 'limited'@'%' identified by 'limited-pw' with max_user_connections 1",
    );
    await server.query("grant all on goneaway.* to 'limited'@'%'");
    const connection = { ...server.connection, user: 'limited', password: 'limited-pw' };
    const holder = open('bare', { connection, pool: { min: 1, max: 1 } });
    const { db } = open('goneaway', { connection, pool: { min: 0, max: 1 } });
    try {
      await holder.db.raw('select 1');
      const query = db.raw('select 7 as seven').then((r) => r);
      await sleep(700);
      await holder.db.destroy();
      const [[row]] = await query;
      expect(row.seven).toBe(7);
    } finally {
      await holder.db.destroy();
      await db.destroy();
    }
  });
});
