import {
  findGoneAwayError,
  isConnectionLost,
  isTransactionLost,
  stats,
  TransactionLostError,
  wrapMysql2,
} from '@goneaway/mysql2';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import { CompiledQuery, type Generated, Kysely, MysqlDialect, sql } from 'kysely';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, failureOf, killWhenRunning, sleep } from './support.js';

// A connection the application holds (Kysely takes one for every statement; Drizzle and mysql2 code
// hold one from getConnection): a read that loses it outside a transaction, on a session that
// carries no state the application set, runs again on a fresh connection, which the holder keeps.
// A write that may have run, a statement inside a transaction, and any statement on a session with
// state (SET, USE, GET_LOCK, a temporary table…) get the typed error instead. Beside bare controls.
describeWithOwnServer('mysql2 held connections: replaced when nothing of the session is lost', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
    await server.query(
      'create table goneaway.h (id int auto_increment primary key, k varchar(64) not null, v int)',
    );
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(async () => {
    await server.query('truncate table goneaway.h');
  });

  const rows = async (k: string) =>
    Number(
      (await server.query<{ n: number }>('select count(*) as n from goneaway.h where k = ?', [k]))[0]?.n,
    );
  const config = (connectionLimit = 2) => ({ ...server.connection, connectionLimit });
  const READ = 'select sleep(1) as s, 42 as answer';
  const READ_PATTERN = 'select sleep(1)%';

  describe('mysql2 (callback pool, getConnection)', () => {
    const getConnection = (pool: mysql2.Pool) =>
      new Promise<mysql2.PoolConnection>((resolve, reject) =>
        pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
      );
    const query = (connection: mysql2.PoolConnection, text: string, values: unknown[] = []) =>
      new Promise<unknown>((resolve, reject) =>
        connection.query(text, values, (error, result) => (error ? reject(error) : resolve(result))),
      );
    const end = (pool: mysql2.Pool) => new Promise((resolve) => pool.end(resolve));

    it('goneaway: a killed read on a held connection returns its rows; the holder keeps the replacement and releases it', async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      try {
        const held = await getConnection(pool);
        const before = ((await query(held, 'select connection_id() as id')) as [{ id: number }])[0].id;
        const read = query(held, READ);
        await killWhenRunning(server, READ_PATTERN);
        expect(await read).toEqual([{ s: 0, answer: 42 }]);
        // Later statements of the same holder run on the replacement: the same session each time.
        const after = ((await query(held, 'select connection_id() as id')) as [{ id: number }])[0].id;
        expect(after).not.toBe(before);
        expect(((await query(held, 'select connection_id() as id')) as [{ id: number }])[0].id).toBe(after);
        await query(held, 'insert into goneaway.h (k, v) values (?, ?)', ['after-replacement', 1]);
        expect(await rows('after-replacement')).toBe(1);
        held.release();
        expect(stats(pool).events.retry).toBe(1);
        expect(stats(pool).evictions.error).toBe(1);
        // The replacement went back to the pool: both connections can be held again, none leaked.
        const [a, b] = [await getConnection(pool), await getConnection(pool)];
        a.release();
        b.release();
      } finally {
        await end(pool);
      }
    });

    it('goneaway: a killed write on a held connection is GONEAWAY_CONNECTION_LOST and is not run twice (0 rows on the server)', async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      try {
        const held = await getConnection(pool);
        const write = failureOf(
          query(held, 'insert into goneaway.h (k, v) values (?, sleep(1))', ['w-held']),
        );
        await killWhenRunning(server, 'insert into goneaway.h%');
        const error = await write;
        expect(codeOf(error)).toBe('GONEAWAY_CONNECTION_LOST');
        held.release();
        await sleep(300);
        expect(await rows('w-held')).toBe(0);
        expect(stats(pool).events.retry).toBe(0);
      } finally {
        await end(pool);
      }
    });

    it.each([
      ['SET @x = 1'],
      ['SET NAMES utf8mb4'],
      ['USE goneaway'],
      ["SELECT GET_LOCK('goneaway-held', 0)"],
      ['CREATE TEMPORARY TABLE goneaway.tmp_held (id int)'],
      ["PREPARE held_statement FROM 'select 1'"],
      ['LOCK TABLES goneaway.h READ'],
    ])(
      'goneaway: after %s on the held connection, a killed read is not replaced: GONEAWAY_CONNECTION_LOST',
      async (statement) => {
        const pool = wrapMysql2(mysql2).createPool(config());
        try {
          const held = await getConnection(pool);
          await query(held, statement);
          const read = failureOf(query(held, READ));
          await killWhenRunning(server, READ_PATTERN);
          const error = await read;
          expect(isConnectionLost(error)).toBe(true);
          expect(stats(pool).events.retry).toBe(0);
          held.release();
        } finally {
          await end(pool);
        }
      },
    );

    it('goneaway: after changeUser() on the held connection, a killed read is not replaced', async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      try {
        const held = await getConnection(pool);
        await new Promise<void>((resolve, reject) =>
          held.changeUser({ database: 'goneaway' }, (error) => (error ? reject(error) : resolve())),
        );
        const read = failureOf(query(held, READ));
        await killWhenRunning(server, READ_PATTERN);
        expect(isConnectionLost(await read)).toBe(true);
        held.release();
      } finally {
        await end(pool);
      }
    });

    it("goneaway: state the pool's connection event sets on every new connection pins nothing: the read is replaced", async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      pool.on('connection', (connection) => connection.query("SET time_zone = '+00:00'"));
      try {
        const held = await getConnection(pool);
        const read = query(held, 'select sleep(1) as s, @@session.time_zone as zone');
        await killWhenRunning(server, READ_PATTERN);
        // The replacement is a new connection: the event set its time zone too.
        expect(await read).toEqual([{ s: 0, zone: '+00:00' }]);
        held.release();
        expect(stats(pool).events.retry).toBe(1);
      } finally {
        await end(pool);
      }
    });

    it('goneaway: the session stays pinned for the next holder of the same connection', async () => {
      const pool = wrapMysql2(mysql2).createPool(config(1));
      try {
        const first = await getConnection(pool);
        await query(first, 'SET @tenant = 7');
        first.release();
        const second = await getConnection(pool);
        expect(second).toBe(first);
        // A read that does not name the variable: run elsewhere, the statements after it would not see it.
        const read = failureOf(query(second, READ));
        await killWhenRunning(server, READ_PATTERN);
        expect(isConnectionLost(await read)).toBe(true);
        second.release();
      } finally {
        await end(pool);
      }
    });

    it('goneaway: after SET TRANSACTION (it shapes the next transaction), a killed read is GONEAWAY_TRANSACTION_LOST', async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      try {
        const held = await getConnection(pool);
        await query(held, 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE');
        const read = failureOf(query(held, READ));
        await killWhenRunning(server, READ_PATTERN);
        expect(await read).toBeInstanceOf(TransactionLostError);
        held.release();
        // Released: the next holder's reads are replaced again.
        const next = await getConnection(pool);
        const again = query(next, READ);
        await killWhenRunning(server, READ_PATTERN);
        expect(await again).toEqual([{ s: 0, answer: 42 }]);
        next.release();
      } finally {
        await end(pool);
      }
    });

    it('goneaway: a promise connection of the held one (pool.promise().getConnection()) is replaced the same way', async () => {
      const pool = wrapMysql2(mysql2Promise).createPool(config());
      try {
        const held = await pool.getConnection();
        const read = held.query(READ);
        await killWhenRunning(server, READ_PATTERN);
        expect((await read)[0]).toEqual([{ s: 0, answer: 42 }]);
        held.release();
        expect(stats(pool).events.retry).toBe(1);
      } finally {
        await pool.end();
      }
    });

    it('bare mysql2 (control): the killed read on a held connection rejects', async () => {
      const pool = mysql2.createPool(config());
      try {
        const held = await getConnection(pool);
        const read = failureOf(query(held, READ));
        await killWhenRunning(server, READ_PATTERN);
        const error = await read;
        expect(error).toBeInstanceOf(Error);
        expect(String(codeOf(error))).not.toMatch(/^GONEAWAY_/);
        held.release();
      } finally {
        await end(pool);
      }
    });
  });

  describe('Kysely (MysqlDialect on the callback pool: a connection per statement)', () => {
    interface Database {
      'goneaway.h': { id: Generated<number>; k: string; v: number };
    }
    const kyselyOn = (pool: mysql2.Pool) => new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });

    it('goneaway: a killed SELECT returns its rows', async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      const db = kyselyOn(pool);
      try {
        const read = sql<{ s: number; answer: number }>`select sleep(1) as s, 42 as answer`.execute(db);
        await killWhenRunning(server, READ_PATTERN);
        expect((await read).rows).toEqual([{ s: 0, answer: 42 }]);
        // The query builder's reads too.
        await db.insertInto('goneaway.h').values({ k: 'kysely-read', v: 1 }).execute();
        const built = db
          .selectFrom('goneaway.h')
          .select(['k', sql<number>`sleep(1)`.as('s')])
          .where('k', '=', 'kysely-read')
          .execute();
        await killWhenRunning(server, 'select `k`, sleep(1)%');
        expect(await built).toEqual([{ k: 'kysely-read', s: 0 }]);
        expect(stats(pool).events.retry).toBe(2);
      } finally {
        await db.destroy();
      }
    });

    it('goneaway: a killed INSERT is GONEAWAY_CONNECTION_LOST, not run twice (0 rows on the server)', async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      const db = kyselyOn(pool);
      try {
        const write = failureOf(
          db.insertInto('goneaway.h').values({ k: 'kysely-write', v: sql<number>`sleep(1)` }).execute(),
        );
        await killWhenRunning(server, 'insert into `goneaway`.`h`%');
        expect(codeOf(await write)).toBe('GONEAWAY_CONNECTION_LOST');
        await sleep(300);
        expect(await rows('kysely-write')).toBe(0);
        expect(stats(pool).events.retry).toBe(0);
      } finally {
        await db.destroy();
      }
    });

    it('goneaway: after SET @x = 1 on a held connection (db.connection()), a killed read is not replaced', async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      const db = kyselyOn(pool);
      try {
        const error = await failureOf(
          db.connection().execute(async (connection) => {
            await sql`set @x = 1`.execute(connection);
            const read = sql`select sleep(1) as s, 42 as answer`.execute(connection);
            // Rejects while the KILL is on its way: handled here, answered below.
            read.catch(() => undefined);
            await killWhenRunning(server, READ_PATTERN);
            return read;
          }),
        );
        expect(isConnectionLost(error)).toBe(true);
        expect(stats(pool).events.retry).toBe(0);
      } finally {
        await db.destroy();
      }
    });

    it("goneaway: state set in the dialect's onCreateConnection pins the session (the replacement would not have it)", async () => {
      const pool = wrapMysql2(mysql2).createPool(config(1));
      const db = new Kysely<Database>({
        dialect: new MysqlDialect({
          pool,
          onCreateConnection: async (connection) => {
            await connection.executeQuery(CompiledQuery.raw('set @tenant = 7'));
          },
        }),
      });
      try {
        const read = failureOf(sql`select sleep(1) as s, 42 as answer`.execute(db));
        await killWhenRunning(server, READ_PATTERN);
        expect(isConnectionLost(await read)).toBe(true);
        expect(stats(pool).events.retry).toBe(0);
      } finally {
        await db.destroy();
      }
    });

    it('goneaway: a killed read inside db.transaction() is GONEAWAY_TRANSACTION_LOST, not replaced', async () => {
      const pool = wrapMysql2(mysql2).createPool(config());
      const db = kyselyOn(pool);
      try {
        const error = await failureOf(
          db.transaction().execute(async (trx) => {
            const read = sql`select sleep(1) as s`.execute(trx);
            read.catch(() => undefined);
            await killWhenRunning(server, READ_PATTERN);
            return read;
          }),
        );
        expect(isTransactionLost(error)).toBe(true);
        expect(stats(pool).events.retry).toBe(0);
      } finally {
        await db.destroy();
      }
    });

    it('bare Kysely (control): the killed SELECT rejects', async () => {
      const db = kyselyOn(mysql2.createPool(config()));
      try {
        const read = failureOf(sql`select sleep(1) as s, 42 as answer`.execute(db));
        await killWhenRunning(server, READ_PATTERN);
        const error = await read;
        expect(error).toBeInstanceOf(Error);
        expect(String(codeOf(error))).not.toMatch(/^GONEAWAY_/);
      } finally {
        await db.destroy();
      }
    });
  });

  describe('Drizzle (on the pool, and on a held connection)', () => {
    it('goneaway: a killed SELECT returns its rows, on the pool and on a held connection', async () => {
      const pool = wrapMysql2(mysql2Promise).createPool(config());
      try {
        const onPool = drizzle({ client: pool }).execute(drizzleSql.raw(READ));
        await killWhenRunning(server, READ_PATTERN);
        expect((await onPool)[0]).toEqual([{ s: 0, answer: 42 }]);
        const held = await pool.getConnection();
        const onHeld = drizzle({ client: held }).execute(drizzleSql.raw(READ));
        await killWhenRunning(server, READ_PATTERN);
        expect((await onHeld)[0]).toEqual([{ s: 0, answer: 42 }]);
        held.release();
        expect(stats(pool).events.retry).toBe(2);
      } finally {
        await pool.end();
      }
    });

    it('goneaway: a killed INSERT on a held connection is GONEAWAY_CONNECTION_LOST (DrizzleQueryError.cause), 0 rows', async () => {
      const pool = wrapMysql2(mysql2Promise).createPool(config());
      try {
        const held = await pool.getConnection();
        const write = failureOf(
          drizzle({ client: held }).execute(
            drizzleSql`insert into goneaway.h (k, v) values (${'drizzle-write'}, sleep(1))`,
          ),
        );
        await killWhenRunning(server, 'insert into goneaway.h%');
        const error = await write;
        expect(codeOf(findGoneAwayError(error))).toBe('GONEAWAY_CONNECTION_LOST');
        held.release();
        await sleep(300);
        expect(await rows('drizzle-write')).toBe(0);
        expect(stats(pool).events.retry).toBe(0);
      } finally {
        await pool.end();
      }
    });

    it('goneaway: after SET @x = 1 on a held connection, a killed read is not replaced', async () => {
      const pool = wrapMysql2(mysql2Promise).createPool(config());
      try {
        const held = await pool.getConnection();
        const db = drizzle({ client: held });
        await db.execute(drizzleSql`set @x = 1`);
        const read = failureOf(db.execute(drizzleSql.raw(READ)));
        await killWhenRunning(server, READ_PATTERN);
        expect(isConnectionLost(findGoneAwayError(await read))).toBe(true);
        held.release();
        expect(stats(pool).events.retry).toBe(0);
      } finally {
        await pool.end();
      }
    });

    it('bare Drizzle (control): the killed SELECT on a held connection rejects', async () => {
      const pool = mysql2Promise.createPool(config());
      try {
        const held = await pool.getConnection();
        const read = failureOf(drizzle({ client: held }).execute(drizzleSql.raw(READ)));
        await killWhenRunning(server, READ_PATTERN);
        const error = await read;
        expect(error).toBeInstanceOf(Error);
        expect(findGoneAwayError(error)).toBeUndefined();
        held.release();
      } finally {
        await pool.end();
      }
    });
  });
});
