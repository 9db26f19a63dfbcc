import { runTransactionWithRetry } from '@goneaway/core';
import { wrapMysql2 } from '@goneaway/mysql2';
import { type Generated, Kysely, MysqlDialect, sql } from 'kysely';
import mysql2 from 'mysql2';
import { codeOf } from '../shared/sessions.js';
import type { TransferExampleOptions, TransferExampleReport } from '../shared/transfer-example.js';

// Kysely on a wrapMysql2 pool: MysqlDialect takes the callback pool, as it would a bare one. Kysely
// acquires a connection for every statement (goneaway validates each hand-out) and holds one for a
// whole transaction, which runTransactionWithRetry runs again when its connection is lost.

interface AccountsTable {
  id: number;
  owner: string;
  balance: number;
}

interface TransfersTable {
  id: Generated<number>;
  amount: number;
}

export interface ExampleDatabase {
  kysely_example_accounts: AccountsTable;
  kysely_example_transfers: TransfersTable;
}

export type KyselyExampleOptions = TransferExampleOptions;

export interface KyselyExampleReport extends TransferExampleReport {
  /** Rows of the transfer log: 1 however many runs the transfer took. */
  readonly transfers: number;
}

export async function run(url: string, options: KyselyExampleOptions = {}): Promise<KyselyExampleReport> {
  const mysql = options.bare ? mysql2 : wrapMysql2(mysql2);
  const pool = mysql.createPool({ uri: url, connectionLimit: 4 });
  const db = new Kysely<ExampleDatabase>({ dialect: new MysqlDialect({ pool }) });
  try {
    // Writes and reads: Kysely takes a connection from the pool for each statement.
    await db.schema
      .createTable('kysely_example_accounts')
      .ifNotExists()
      .addColumn('id', 'integer', (column) => column.primaryKey())
      .addColumn('owner', 'varchar(64)', (column) => column.notNull())
      .addColumn('balance', 'integer', (column) => column.notNull())
      .execute();
    await db.schema
      .createTable('kysely_example_transfers')
      .ifNotExists()
      .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
      .addColumn('amount', 'integer', (column) => column.notNull())
      .execute();
    await db.deleteFrom('kysely_example_accounts').execute();
    await db.deleteFrom('kysely_example_transfers').execute();
    await db
      .insertInto('kysely_example_accounts')
      .values([
        { id: 1, owner: 'ada', balance: 100 },
        { id: 2, owner: 'grace', balance: 50 },
      ])
      .execute();
    await Promise.all([
      db.selectFrom('kysely_example_accounts').selectAll().execute(),
      db.selectFrom('kysely_example_accounts').selectAll().where('id', '=', 2).execute(),
    ]);

    await options.whileIdle?.();
    // The first statements after the idle period: goneaway replaces connections found dead on hand-out.
    await Promise.all([
      db.selectFrom('kysely_example_accounts').selectAll().execute(),
      db.selectFrom('kysely_example_accounts').selectAll().execute(),
    ]);
    await db.updateTable('kysely_example_accounts').set({ owner: 'Ada' }).where('id', '=', 1).execute();

    // A transfer: one transaction on one held connection, run again whole if it is lost.
    const lostCodes: string[] = [];
    let attempts = 0;
    let acquired: unknown[] = [];
    let released: unknown[] = [];
    pool.on('acquire', (connection) => acquired.push(connection));
    pool.on('release', (connection) => released.push(connection));
    // What the pool handed out and got back during the transfer that committed.
    let transferAcquired: unknown[] = [];
    let transferReleased: unknown[] = [];
    const transferSessions = await runTransactionWithRetry(
      async (attempt) => {
        attempts = attempt;
        acquired = [];
        released = [];
        const sessions = await db.transaction().execute(async (trx) => {
          const session = async () =>
            Number((await sql<{ id: number }>`select connection_id() as id`.execute(trx)).rows[0]?.id);
          const first = await session();
          await trx
            .updateTable('kysely_example_accounts')
            .set((eb) => ({ balance: eb('balance', '-', 30) }))
            .where('id', '=', 1)
            .execute();
          await options.insideTransaction?.(first, attempt);
          await trx
            .updateTable('kysely_example_accounts')
            .set((eb) => ({ balance: eb('balance', '+', 30) }))
            .where('id', '=', 2)
            .execute();
          await trx.insertInto('kysely_example_transfers').values({ amount: 30 }).execute();
          return [first, await session()];
        });
        transferAcquired = [...acquired];
        transferReleased = [...released];
        return sessions;
      },
      { onRetry: (info) => lostCodes.push(codeOf(info.error)) },
    );

    const balances = await db
      .selectFrom('kysely_example_accounts')
      .select(['id', 'owner', 'balance'])
      .orderBy('id')
      .execute();
    const [{ transfers }] = (await db
      .selectFrom('kysely_example_transfers')
      .select((eb) => eb.fn.countAll<number>().as('transfers'))
      .execute()) as [{ transfers: number }];
    return {
      balances,
      transfers: Number(transfers),
      transferAttempts: attempts,
      lostCodes,
      transferSessions,
      transferAcquires: transferAcquired.length,
      releasedSameConnection:
        transferAcquired.length === 1 &&
        transferReleased.length === 1 &&
        transferAcquired[0] === transferReleased[0],
    };
  } finally {
    // Ends the pool too.
    await db.destroy();
  }
}
