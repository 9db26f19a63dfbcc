import type { Pool, RowDataPacket } from 'mysql2/promise';
import { codeOf, type WorkloadCalls, type WorkloadReport } from './failover-workload.js';

export {
  codeOf,
  runWorkload,
  sleep,
  type WorkloadCalls as WorkloadOperations,
  type WorkloadReport,
  waitUntil,
} from './failover-workload.js';

/** The workload's calls on a mysql2 promise pool: a read that says which server answered, an insert. */
export function poolOperations(pool: Pool, table: string): WorkloadCalls {
  return {
    read: () => portOf(pool),
    insert: (id) => pool.query(`INSERT INTO ${table} (id, note) VALUES (?, 'workload')`, [id]),
  };
}

/**
 * poolOperations and a transaction on a checked-out connection (getConnection, beginTransaction, one
 * insert per id, commit), as Kysely and Drizzle run one; a failed transaction is rolled back (that
 * rollback's own failure is the transaction's one error already: it is counted in `rollbackFailures`).
 */
export function poolTransactionOperations(
  pool: Pool,
  table: string,
  rollbackFailures: Map<string, number> = new Map(),
): WorkloadCalls {
  return {
    ...poolOperations(pool, table),
    transaction: async (ids) => {
      const connection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        for (const id of ids)
          await connection.query(`INSERT INTO ${table} (id, note) VALUES (?, 'tx')`, [id]);
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch((rollbackError: unknown) => {
          const code = codeOf(rollbackError);
          rollbackFailures.set(code, (rollbackFailures.get(code) ?? 0) + 1);
        });
        throw error;
      } finally {
        connection.release();
      }
    },
  };
}

export async function portOf(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT @@port AS port');
  return Number(rows[0]?.port);
}

export function summary(report: WorkloadReport): string {
  return (
    `${report.reads} reads, ${report.inserts.length} acknowledged inserts, ` +
    `failures ${JSON.stringify(Object.fromEntries(report.failures))} ${JSON.stringify(Object.fromEntries(report.messages))}; ` +
    `longest time without a successful read ${report.maxReadGapMs} ms`
  );
}
