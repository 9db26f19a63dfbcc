/** What a failover workload saw: reads, acknowledged inserts, failures by code, the ports that answered. */
export interface WorkloadReport {
  reads: number;
  inserts: number[];
  failures: Map<string, number>;
  /** The first message seen for each failure code (its end: knex puts the SQL first). */
  messages: Map<string, string>;
  /** The ports that answered reads once `markAfter()` was called. */
  portsAfter: Set<number>;
  /** The longest stretch (ms) without a successful read, any worker: how long the app could not read. */
  maxReadGapMs: number;
}

/** The two calls a workload makes, in the library under test's own way. */
export interface WorkloadCalls {
  /** A read; resolves with the port of the server that answered it (`SELECT @@port`), if it says. */
  read(): Promise<number | undefined>;
  /** An insert of one row with a unique id. */
  insert(id: number): Promise<unknown>;
}

export interface Workload {
  readonly report: WorkloadReport;
  /** From now on, record which port answers reads. */
  markAfter(): void;
  stop(): Promise<WorkloadReport>;
}

/** The error's code, or its driver error's (Sequelize keeps that in `original`). */
export function codeOf(error: unknown): string {
  const record = error as { code?: unknown; errno?: unknown; original?: unknown };
  const code = record.code ?? record.errno;
  if (code !== undefined) return String(code);
  return record.original === undefined ? 'unknown' : codeOf(record.original);
}

/** `workers` loops of a read and an insert (ids from `firstId`, each used once) until stopped. */
export function runWorkload(calls: WorkloadCalls, firstId: number, workers: number): Workload {
  const report: WorkloadReport = {
    reads: 0,
    inserts: [],
    failures: new Map(),
    messages: new Map(),
    portsAfter: new Set(),
    maxReadGapMs: 0,
  };
  let lastReadAt = performance.now();
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
        const port = await calls.read();
        const now = performance.now();
        report.maxReadGapMs = Math.max(report.maxReadGapMs, Math.round(now - lastReadAt));
        lastReadAt = now;
        report.reads++;
        if (recordPorts && port !== undefined) report.portsAfter.add(port);
      } catch (error) {
        fail(error);
      }
      const id = nextId++;
      try {
        await calls.insert(id);
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

/** Failures and their first messages, for the test output. */
export function describeFailures(report: WorkloadReport): string {
  return `${JSON.stringify(Object.fromEntries(report.failures))} ${JSON.stringify(Object.fromEntries(report.messages))}; longest time without a successful read ${report.maxReadGapMs} ms`;
}

/** How many of `ids` are in goneaway.`table` on `server`. */
export async function storedOn(
  server: { query<R>(sql: string, values?: unknown[]): Promise<R[]> },
  ids: readonly number[],
  table = 't',
): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await server.query<{ n: number }>(
    `SELECT COUNT(*) AS n FROM goneaway.${table} WHERE id IN (${ids.map(() => '?').join(',')})`,
    [...ids],
  );
  return Number(rows[0]?.n);
}

export async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
