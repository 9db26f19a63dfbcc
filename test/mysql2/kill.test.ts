import {
  isConnectionLost,
  isTransactionLost,
  stats,
  TransactionLostError,
  withTransactionRetry,
  wrapMysql2,
} from '@goneaway/mysql2';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import mysql2 from 'mysql2';
import mysql2Promise, { type PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, failureOf, killWhenRunning, sleep } from './support.js';

// KILL during a read, during a write, inside a transaction: a wrapped mysql2 pool beside the bare one.
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

  it('goneaway: after a KILL of idle connections, reads and writes all succeed on fresh ones', async () => {
    const pool = wrapped.createPool({ ...poolConfig(), connectionLimit: 3 });
    try {
      await Promise.all([1, 2, 3].map(() => pool.query('select sleep(0.05)')));
      expect(await server.killConnections()).toBe(3);
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.query('select ? as n', [n])));
      expect(results.map(([r]) => (r as Array<{ n: number }>)[0]?.n)).toEqual([1, 2, 3, 4, 5]);
      await pool.query('insert into goneaway.t (k, v) values (?, ?)', ['idle-kill', 1]);
      expect(await rows('idle-kill')).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('goneaway: a read killed mid-flight is run again and its result returned', async () => {
    const pool = wrapped.createPool(poolConfig());
    try {
      const read = pool.query('select sleep(1) as s, 42 as answer');
      await killWhenRunning(server, 'select sleep(1)%');
      const [result] = await read;
      expect(result).toEqual([{ s: 0, answer: 42 }]);
      expect(stats(pool).events.retry).toBe(1);
      // The KILLed connection counts as evicted, as in the knex plugin.
      expect(stats(pool).evictions.error).toBe(1);
    } finally {
      await pool.end();
    }
  });

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

  it('bare mysql2 pool (control): the killed read rejects', async () => {
    const pool = mysql2Promise.createPool(poolConfig());
    try {
      const read = failureOf(pool.query('select sleep(1) as s, 42 as answer'));
      await killWhenRunning(server, 'select sleep(1)%');
      expect(await read).toBeInstanceOf(Error);
    } finally {
      await pool.end();
    }
  });

  it('goneaway: a write killed mid-flight is not run again: GONEAWAY_CONNECTION_LOST, at most one row', async () => {
    const pool = wrapped.createPool(poolConfig());
    try {
      const write = failureOf(pool.query('insert into goneaway.t (k, v) values (?, sleep(1))', ['w1']));
      await killWhenRunning(server, 'insert into goneaway.t%');
      const error = await write;
      expect(isConnectionLost(error)).toBe(true);
      expect(codeOf(error)).toBe('GONEAWAY_CONNECTION_LOST');
      expect(String((error as Error).message)).not.toContain('w1');
      await sleep(200);
      // The KILL aborted it, and nothing ran it again.
      expect(await rows('w1')).toBe(0);
      expect(stats(pool).events.retry).toBe(0);
      expect(stats(pool).evictions.error).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('bare mysql2 pool (control): the killed write rejects with no goneaway code', async () => {
    const pool = mysql2Promise.createPool(poolConfig());
    try {
      const write = failureOf(pool.query('insert into goneaway.t (k, v) values (?, sleep(1))', ['w0']));
      await killWhenRunning(server, 'insert into goneaway.t%');
      const error = await write;
      expect(error).toBeInstanceOf(Error);
      expect(String(codeOf(error))).not.toMatch(/^GONEAWAY_/);
    } finally {
      await pool.end();
    }
  });

  it('goneaway: a KILL inside withTransactionRetry runs the whole transaction again: one row', async () => {
    const pool = wrapped.createPool(poolConfig());
    try {
      let runs = 0;
      const result = await withTransactionRetry(pool, async (connection: PoolConnection) => {
        runs++;
        await connection.query('insert into goneaway.t (k, v) values (?, ?)', ['tx1', runs]);
        if (runs === 1) {
          const [[row]] = (await connection.query('select connection_id() as id')) as unknown as [
            [{ id: number }],
          ];
          await server.query(`KILL ${Number(row.id)}`);
          await connection.query('insert into goneaway.t (k, v) values (?, ?)', ['tx1', 99]);
        }
        return runs;
      });
      expect(result).toBe(2);
      expect(await rows('tx1')).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('goneaway: a KILL on a held connection inside a transaction gives TransactionLostError; the same object is released', async () => {
    const pool = wrapped.createPool(poolConfig());
    try {
      const connection = await pool.getConnection();
      await connection.beginTransaction();
      await connection.query('insert into goneaway.t (k, v) values (?, ?)', ['tx2', 1]);
      const [[row]] = (await connection.query('select connection_id() as id')) as unknown as [
        [{ id: number }],
      ];
      await server.query(`KILL ${Number(row.id)}`);
      const lost = await failureOf(
        connection.query('insert into goneaway.t (k, v) values (?, ?)', ['tx2', 2]),
      );
      expect(lost).toBeInstanceOf(TransactionLostError);
      // Later statements of the lost transaction fail at once, COMMIT included.
      expect(isTransactionLost(await failureOf(connection.commit()))).toBe(true);
      connection.release();
      expect(await rows('tx2')).toBe(0);
      // The pool hands out a working connection next.
      const [result] = await pool.query('select 1 as one');
      expect(result).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
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

  it('bare mysql2 pool (control): the same KILL in a transaction gives an error without a goneaway code', async () => {
    const pool = mysql2Promise.createPool(poolConfig());
    try {
      const connection = await pool.getConnection();
      await connection.beginTransaction();
      const [[row]] = (await connection.query('select connection_id() as id')) as unknown as [
        [{ id: number }],
      ];
      await server.query(`KILL ${Number(row.id)}`);
      const lost = await failureOf(
        connection.query('insert into goneaway.t (k, v) values (?, ?)', ['tx3', 2]),
      );
      expect(lost).toBeInstanceOf(Error);
      expect(String(codeOf(lost))).not.toMatch(/^GONEAWAY_/);
      connection.release();
    } finally {
      await pool.end();
    }
  });
});
