import {
  ConnectionLostError,
  findGoneAwayError,
  isConnectionLost,
  isTransactionLost,
  stats,
  TransactionLostError,
  withTransactionRetry,
} from '@goneaway/sequelize';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { DatabaseError, QueryTypes } from 'sequelize';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  codeOfSequelizeError,
  createSequelize,
  describeWithOwnServer,
  failureOf,
  killWhenRunning,
  type Side,
  sleep,
  TABLES_SQL,
  type TestDb,
} from './support.js';

// KILL of idle connections, during a read, during a write, inside a transaction: Sequelize 6 through
// goneAwaySequelize beside bare Sequelize.
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

  const rows = async (k: string) =>
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

  /** Reads and writes after every idle connection of the pool was KILLed: failures, of 6 statements. */
  async function afterIdleKill({ sequelize, Row }: TestDb): Promise<string[]> {
    await Promise.all([1, 2, 3].map(() => sequelize.query('select sleep(0.05)')));
    expect(await server.killConnections()).toBe(3);
    const results = await Promise.allSettled([
      ...[1, 2, 3, 4, 5].map((n) => sequelize.query('select ? as n', { replacements: [n] })),
      Row.create({ k: 'idle-kill', v: 1 }),
    ]);
    return results.filter((r) => r.status === 'rejected').map((r) => codeOfSequelizeError(r.reason));
  }

  it('goneaway: after a KILL of idle connections, reads and writes all succeed on fresh ones', async () => {
    await withDb(
      'goneaway',
      async (db) => {
        expect(await afterIdleKill(db)).toEqual([]);
        expect(await rows('idle-kill')).toBe(1);
      },
      3,
    );
  });

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

  it('goneaway: a write killed mid-flight is not run again: DatabaseError over GONEAWAY_CONNECTION_LOST, at most one row, no value in its message', async () => {
    await withDb('goneaway', async ({ sequelize }) => {
      const write = failureOf(
        sequelize.query('insert into goneaway.t (k, v) values (?, sleep(1))', {
          replacements: ['w1-secret-value'],
        }),
      );
      await killWhenRunning(server, 'insert into goneaway.t%');
      const error = (await write) as DatabaseError;
      // What the application catches is Sequelize's DatabaseError; goneaway's error is its `original`.
      expect(error).toBeInstanceOf(DatabaseError);
      expect(isConnectionLost(findGoneAwayError(error))).toBe(true);
      expect(error.original).toBeInstanceOf(ConnectionLostError);
      // Sequelize formats `replacements` into the SQL and puts it on its error: not for a goneaway error.
      expect(error.message).not.toContain('w1-secret-value');
      expect(error.sql).toBeUndefined();
      expect(JSON.stringify(error)).not.toContain('w1-secret-value');
      await sleep(200);
      expect(await rows('w1-secret-value')).toBeLessThanOrEqual(1);
      expect(stats(sequelize).events.retry).toBe(0);
      expect(stats(sequelize).evictions.error).toBe(1);
      // The instance goes on working.
      expect(await sequelize.query('select 1 as one', { type: QueryTypes.SELECT })).toEqual([{ one: 1 }]);
    });
  });

  it('goneaway: a KILL inside sequelize.transaction gives GONEAWAY_TRANSACTION_LOST, 0 rows; the next transaction works', async () => {
    await withDb('goneaway', async ({ sequelize, Row }) => {
      const lost = await failureOf(
        sequelize.transaction(async (transaction) => {
          await Row.create({ k: 'tx1', v: 1 }, { transaction });
          const id = Number(
            (
              await sequelize.query<{ id: number }>('select connection_id() as id', {
                transaction,
                type: QueryTypes.SELECT,
              })
            )[0]?.id,
          );
          await server.query(`KILL ${id}`);
          await Row.create({ k: 'tx1', v: 2 }, { transaction });
        }),
      );
      expect(codeOfSequelizeError(lost)).toBe('GONEAWAY_TRANSACTION_LOST');
      expect(isTransactionLost(findGoneAwayError(lost))).toBe(true);
      expect((lost as DatabaseError).original).toBeInstanceOf(TransactionLostError);
      expect(await rows('tx1')).toBe(0);
      expect(stats(sequelize).events.retry).toBe(0);
      await sequelize.transaction(async (transaction) => {
        await Row.create({ k: 'tx1-next', v: 1 }, { transaction });
      });
      expect(await rows('tx1-next')).toBe(1);
    });
  });

  it('goneaway: withTransactionRetry runs the whole transaction again after a KILL: one row', async () => {
    await withDb('goneaway', async ({ sequelize, Row }) => {
      let runs = 0;
      const result = await withTransactionRetry(sequelize, async (transaction) => {
        runs++;
        await Row.create({ k: 'tx2', v: runs }, { transaction });
        if (runs === 1) {
          const [row] = await sequelize.query<{ id: number }>('select connection_id() as id', {
            transaction,
            type: QueryTypes.SELECT,
          });
          await server.query(`KILL ${Number(row?.id)}`);
          await Row.create({ k: 'tx2', v: 99 }, { transaction });
        }
        return runs;
      });
      expect(result).toBe(2);
      expect(await rows('tx2')).toBe(1);
    });
  });

  describe('bare Sequelize (control)', () => {
    it('bare (control): after a KILL of idle connections, the reads and writes that follow', async () => {
      const failed = await withDb('bare', (db) => afterIdleKill(db), 3);
      // mysql2 emits the socket close on an idle connection and Sequelize destroys it.
      console.info(`bare Sequelize, KILL of idle connections: ${failed.length} of 6 statements failed`);
      expect(failed.every((code) => !code.startsWith('GONEAWAY_'))).toBe(true);
    });

    it('bare (control): the killed read rejects with PROTOCOL_CONNECTION_LOST', async () => {
      await withDb('bare', async ({ sequelize }) => {
        const read = failureOf(sequelize.query('select sleep(1) as s, 42 as answer'));
        await killWhenRunning(server, 'select sleep(1)%');
        const error = await read;
        expect((error as Error).name).toBe('SequelizeDatabaseError');
        expect(codeOfSequelizeError(error)).toBe('PROTOCOL_CONNECTION_LOST');
      });
    });

    it('bare (control): the killed write rejects with no goneaway code', async () => {
      await withDb('bare', async ({ sequelize }) => {
        const write = failureOf(
          sequelize.query('insert into goneaway.t (k, v) values (?, sleep(1))', { replacements: ['w0'] }),
        );
        await killWhenRunning(server, 'insert into goneaway.t%');
        const error = await write;
        expect((error as Error).name).toBe('SequelizeDatabaseError');
        expect(codeOfSequelizeError(error)).not.toMatch(/^GONEAWAY_/);
        expect((error as DatabaseError).sql).toContain("'w0'");
      });
    });

    it('bare (control): the same KILL in a transaction gives an error without a goneaway code', async () => {
      await withDb('bare', async ({ sequelize, Row }) => {
        const lost = await failureOf(
          sequelize.transaction(async (transaction) => {
            await Row.create({ k: 'tx3', v: 1 }, { transaction });
            const [row] = await sequelize.query<{ id: number }>('select connection_id() as id', {
              transaction,
              type: QueryTypes.SELECT,
            });
            await server.query(`KILL ${Number(row?.id)}`);
            await Row.create({ k: 'tx3', v: 2 }, { transaction });
          }),
        );
        console.info(
          `bare Sequelize, KILL in a transaction: ${(lost as Error).name} code=${codeOfSequelizeError(lost)} message=${String((lost as Error).message).slice(0, 80)}`,
        );
        expect(lost).toBeInstanceOf(Error);
        expect(codeOfSequelizeError(lost)).not.toMatch(/^GONEAWAY_/);
        expect(await rows('tx3')).toBe(0);
      });
    });
  });
});
