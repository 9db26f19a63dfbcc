import { stats } from '@goneaway/sequelize';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  createSequelize,
  describeWithOwnServer,
  killWhenRunning,
  type Side,
  TABLES_SQL,
  type TestDb,
} from './support.js';

// A killed read through a model's finder (Sequelize 6 through goneAwaySequelize). The KILL causes
// every adapter shares are test/causes/kill-*.test.ts.
describeWithOwnServer('Sequelize: KILL', () => {
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

  async function withDb<T>(side: Side, body: (db: TestDb) => Promise<T>, poolMax = 2): Promise<T> {
    const db = createSequelize(side, { connection: server.connection, poolMax });
    try {
      return await body(db);
    } finally {
      await db.sequelize.close().catch(() => undefined);
    }
  }

  it('goneaway: a read killed mid-flight is run again on a fresh connection and its result returned', async () => {
    await withDb('goneaway', async ({ sequelize, Row }) => {
      const read = sequelize.query('select sleep(1) as s, 42 as answer', { type: QueryTypes.SELECT });
      await killWhenRunning(server, 'select sleep(1)%');
      expect(await read).toEqual([{ s: 0, answer: 42 }]);
      expect(stats(sequelize).events.retry).toBe(1);
      // The KILLed connection counts as evicted, as in the other adapters.
      expect(stats(sequelize).evictions.error).toBe(1);
      // A model's own finder too.
      await Row.create({ k: 'r1', v: 1 });
      const find = Row.findAll({
        attributes: ['k', [sequelize.fn('sleep', 1), 's']],
        where: { k: 'r1' },
        raw: true,
      });
      await killWhenRunning(server, 'select `k`, sleep(1)%');
      expect(await find).toEqual([{ k: 'r1', s: 0 }]);
      expect(stats(sequelize).events.retry).toBe(2);
    });
  });
});
