import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { WorkloadCalls, WorkloadReport } from './failover-workload.js';

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
