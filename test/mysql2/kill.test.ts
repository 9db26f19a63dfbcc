import { isConnectionLost, stats, wrapMysql2 } from '@goneaway/mysql2';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeWithOwnServer, failureOf, killWhenRunning, sleep } from './support.js';

// KILL on mysql2's own paths: execute() and the callback pool, an ended pool, the held connection
// object. The causes every adapter shares are test/causes/kill-*.test.ts.
describeWithOwnServer('mysql2 pool: KILL', () => {
  let server: MariaDBServer;
  const wrapped = wrapMysql2(mysql2Promise);

  beforeAll(async () => {
    server = await startMariaDB();
    await server.query(
      'create table goneaway.t (id int auto_increment primary key, k varchar(64) not null, v int)',
    );
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(async () => {
    await server.query('truncate table goneaway.t');
  });

  const rows = async (k: string) =>
    Number(
      (await server.query<{ n: number }>('select count(*) as n from goneaway.t where k = ?', [k]))[0]?.n,
    );
  const poolConfig = () => ({ ...server.connection, connectionLimit: 2 });

  it('goneaway: a read through execute() and through a callback pool is run again too', async () => {
    const pool = wrapMysql2(mysql2).createPool(poolConfig());
    try {
      const read = new Promise((resolve, reject) =>
        pool.execute('select sleep(1) as s, ? as answer', [7], (error, result) =>
          error ? reject(error) : resolve(result),
        ),
      );
      await killWhenRunning(server, 'select sleep(1)%');
      expect(await read).toEqual([{ s: 0, answer: 7 }]);
      // .promise() on a wrapped callback pool shares its policy.
      const promised = pool.promise();
      const again = promised.query('select sleep(1) as s, 8 as answer');
      await killWhenRunning(server, 'select sleep(1)%');
      expect((await again)[0]).toEqual([{ s: 0, answer: 8 }]);
      expect(stats(pool).events.retry).toBe(2);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });

  it('goneaway: a query on an ended pool gets mysql2\'s own "Pool is closed." error', async () => {
    const pool = wrapped.createPool(poolConfig());
    await pool.query('select 1');
    await pool.end();
    expect(String((await failureOf(pool.query('select 1'))) as Error)).toContain('Pool is closed.');
  });

  it('goneaway: getConnection() hands out the same mysql2 connection object; a killed write on it is typed, not retried', async () => {
    const pool = wrapMysql2(mysql2).createPool({ ...poolConfig(), connectionLimit: 1 });
    const getConnection = () =>
      new Promise<mysql2.PoolConnection>((resolve, reject) =>
        pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
      );
    try {
      const first = await getConnection();
      first.release();
      const held = await getConnection();
      // Kysely and Drizzle hold the object across a transaction and release that very object.
      expect(held).toBe(first);
      const write = failureOf(
        new Promise((resolve, reject) =>
          held.query('insert into goneaway.t (k, v) values (?, sleep(1))', ['h1'], (error, result) =>
            error ? reject(error) : resolve(result),
          ),
        ),
      );
      await killWhenRunning(server, 'insert into goneaway.t%');
      const error = await write;
      expect(isConnectionLost(error)).toBe(true);
      held.release();
      await sleep(200);
      expect(await rows('h1')).toBeLessThanOrEqual(1);
      expect(stats(pool).events.retry).toBe(0);
      expect(stats(pool).evictions.error).toBe(1);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });
});
