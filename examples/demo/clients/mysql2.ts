import { stats, wrapMysql2 } from '@goneaway/mysql2';
import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';
import type { AppDb, AppQueries, DemoClient, OpenOptions, Row } from './app-db.js';
import { activityOf } from './app-db.js';

/** The application's own mysql2 pool config: what a typical service writes, nothing tuned for the demo. */
export function mysql2AppConfig(options: OpenOptions): mysql.PoolOptions {
  return { ...options.connection, connectionLimit: options.pool?.max ?? 10 };
}

function queriesOf(db: Pool | PoolConnection): AppQueries {
  return {
    read: async (sql) => (await db.query(sql))[0] as Row[],
    write: async (sql, params = []) => {
      await db.query(sql, params as unknown[]);
    },
  };
}

/** The transaction as mysql2's documentation writes it: one pooled connection, begin, commit or rollback. */
function appDbOf(pool: Pool): AppDb {
  return {
    ...queriesOf(pool),
    async transaction(work) {
      const connection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        await work(queriesOf(connection));
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
  };
}

const goneawayMysql = wrapMysql2(mysql);

/** A plain mysql2 pool (what Drizzle and Kysely run on): bare `createPool`, or `wrapMysql2(mysql).createPool`. */
export const mysql2Client: DemoClient = {
  id: 'mysql2',
  labels: { bare: 'bare mysql2 pool', goneaway: 'mysql2 + goneaway' },
  open(side, options) {
    const config = mysql2AppConfig(options);
    const pool = side === 'goneaway' ? goneawayMysql.createPool(config) : mysql.createPool(config);
    return {
      db: appDbOf(pool),
      activity: () => (side === 'goneaway' ? activityOf(stats(pool)) : undefined),
      destroy: () => pool.end(),
    };
  },
};
