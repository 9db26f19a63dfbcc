import { runTransactionWithRetry } from '@goneaway/core';
import { findGoneAwayError, wrapMysql2 } from '@goneaway/mysql2';
import { eq, sql } from 'drizzle-orm';
import { int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { drizzle } from 'drizzle-orm/mysql2';
import mysql2 from 'mysql2/promise';
import { codeOf } from '../shared/sessions.js';
import type { TransferExampleOptions, TransferExampleReport } from '../shared/transfer-example.js';

// Drizzle on a wrapMysql2 pool: the pool is handed to drizzle() exactly as a bare one would be. Reads
// and writes, then a transfer in db.transaction (Drizzle holds one connection for all of it), run again
// whole by runTransactionWithRetry when its connection is lost.

export const accounts = mysqlTable('drizzle_example_accounts', {
  id: int('id').primaryKey(),
  owner: varchar('owner', { length: 64 }).notNull(),
  balance: int('balance').notNull(),
});

export type DrizzleExampleOptions = TransferExampleOptions;
export type DrizzleExampleReport = TransferExampleReport;

export async function run(url: string, options: DrizzleExampleOptions = {}): Promise<DrizzleExampleReport> {
  const mysql = options.bare ? mysql2 : wrapMysql2(mysql2);
  const pool = mysql.createPool({ uri: url, connectionLimit: 4 });
  const db = drizzle({ client: pool });
  try {
    // Writes and reads on the pool.
    await db.execute(
      sql`create table if not exists ${accounts} (id int primary key, owner varchar(64) not null, balance int not null)`,
    );
    await db.delete(accounts);
    await db.insert(accounts).values([
      { id: 1, owner: 'ada', balance: 100 },
      { id: 2, owner: 'grace', balance: 50 },
    ]);
    await Promise.all([db.select().from(accounts), db.select().from(accounts).where(eq(accounts.id, 2))]);

    await options.whileIdle?.();
    // The first statements after the idle period: goneaway replaces connections found dead.
    await Promise.all([db.select().from(accounts), db.select().from(accounts)]);
    await db.update(accounts).set({ owner: 'Ada' }).where(eq(accounts.id, 1));

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
        const sessions = await db.transaction(async (tx) => {
          const session = async () => {
            const [rows] = (await tx.execute(sql`select connection_id() as id`)) as unknown as [
              Array<{ id: number }>,
            ];
            return Number(rows[0]?.id);
          };
          const first = await session();
          await tx
            .update(accounts)
            .set({ balance: sql`${accounts.balance} - 30` })
            .where(eq(accounts.id, 1));
          await options.insideTransaction?.(first, attempt);
          await tx
            .update(accounts)
            .set({ balance: sql`${accounts.balance} + 30` })
            .where(eq(accounts.id, 2));
          return [first, await session()];
        });
        transferAcquired = [...acquired];
        transferReleased = [...released];
        return sessions;
      },
      // Drizzle wraps the failed statement's error in a DrizzleQueryError whose `cause` is goneaway's:
      // runTransactionWithRetry looks through it, and so does findGoneAwayError.
      { onRetry: (info) => lostCodes.push(codeOf(findGoneAwayError(info.error) ?? info.error)) },
    );

    const balances = await db.select().from(accounts).orderBy(accounts.id);
    return {
      balances,
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
    await pool.end();
  }
}
