import type { Pool, RowDataPacket } from 'mysql2/promise';

/** What a workload saw: reads and acknowledged inserts, failures by code, the ports that answered reads. */
export interface WorkloadReport {
  reads: number;
  inserts: number[];
  failures: Map<string, number>;
  /** The first message seen for each failure code. */
  messages: Map<string, string>;
  portsAfter: Set<number>;
}

export function codeOf(error: unknown): string {
  const record = error as { code?: unknown; errno?: unknown };
  return String(record.code ?? record.errno ?? 'unknown');
}

/** One read that says which server answered (its port), one insert of a unique id. */
export interface WorkloadOperations {
  read(): Promise<number>;
  insert(id: number): Promise<unknown>;
}

/** The workload's statements on a mysql2 promise pool (goneaway's or bare). */
export function poolOperations(pool: Pool, table: string): WorkloadOperations {
  return {
    read: () => portOf(pool),
    insert: (id) => pool.query(`INSERT INTO ${table} (id, note) VALUES (?, 'workload')`, [id]),
  };
}

/**
 * `workers` loops of a read (which server answered) and an insert with a unique id, until stopped.
 * `markAfter()` starts recording which server answers reads (after the failover was detected).
 */
export function runWorkload(operations: WorkloadOperations, firstId: number, workers: number) {
  const report: WorkloadReport = {
    reads: 0,
    inserts: [],
    failures: new Map(),
    messages: new Map(),
    portsAfter: new Set(),
  };
  let stop = false;
  let recordPorts = false;
  let nextId = firstId;
  const fail = (error: unknown) => {
    const code = codeOf(error);
    report.failures.set(code, (report.failures.get(code) ?? 0) + 1);
    if (!report.messages.has(code)) report.messages.set(code, String((error as Error).message).slice(-120));
  };
  const loops = Array.from({ length: workers }, async () => {
    while (!stop) {
      try {
        const port = await operations.read();
        report.reads++;
        if (recordPorts) report.portsAfter.add(port);
      } catch (error) {
        fail(error);
      }
      const id = nextId++;
      try {
        await operations.insert(id);
        report.inserts.push(id);
      } catch (error) {
        fail(error);
      }
    }
  });
  return {
    report,
    markAfter: () => {
      recordPorts = true;
    },
    stop: async () => {
      stop = true;
      await Promise.all(loops);
      return report;
    },
  };
}

export async function portOf(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT @@port AS port');
  return Number(rows[0]?.port);
}

export async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function summary(report: WorkloadReport): string {
  return (
    `${report.reads} reads, ${report.inserts.length} acknowledged inserts, ` +
    `failures ${JSON.stringify(Object.fromEntries(report.failures))} ${JSON.stringify(Object.fromEntries(report.messages))}`
  );
}
