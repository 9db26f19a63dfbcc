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
  /** When (performance.now()) each read succeeded and the port that answered it, in completion order. */
  readLog: Array<{ readonly at: number; readonly port: number | undefined }>;
  /** When each acknowledged insert of `inserts` (same index) completed. */
  insertedAt: number[];
  /** Every failure: when, which kind of statement, its code. */
  failureLog: Array<{ readonly at: number; readonly op: 'read' | 'write'; readonly code: string }>;
  /** Insert ids handed out: `firstId` up to (not including) `firstId + issuedInserts`. */
  issuedInserts: number;
  /** Workers still inside a statement when `stop({ hangCapMs })` gave up waiting for them. */
  hungWorkers: number;
}

/** The two calls a workload makes, in the library under test's own way. */
export interface WorkloadCalls {
  /** A read; resolves with the port of the server that answered it (`SELECT @@port`), if it says. */
  read(): Promise<number | undefined>;
  /** An insert of one row with a unique id. */
  insert(id: number): Promise<unknown>;
}

export interface WorkloadStopOptions {
  /**
   * Stop waiting for the workers after this long: the ones still inside a statement are counted as
   * `hungWorkers` (a blackholed socket never answers) and `finished` settles once they return.
   */
  readonly hangCapMs?: number;
}

export interface Workload {
  readonly report: WorkloadReport;
  /** From now on, record which port answers reads. */
  markAfter(): void;
  stop(options?: WorkloadStopOptions): Promise<WorkloadReport>;
  /** Settles when every worker has returned (after `stop`). */
  readonly finished: Promise<void>;
}

/** The error's code, or its driver error's (Sequelize keeps that in `original`). */
export function codeOf(error: unknown): string {
  const record = error as { code?: unknown; errno?: unknown; original?: unknown };
  const code = record.code ?? record.errno;
  if (code !== undefined) return String(code);
  return record.original === undefined ? 'unknown' : codeOf(record.original);
}

export interface WorkloadOptions {
  /**
   * Half the workers only read, the other half only insert (default: each worker reads then inserts).
   * A stalled insert (Galera holds writes while it evicts a node) then cannot hide whether reads work.
   */
  readonly separateReadsAndWrites?: boolean;
}

/** `workers` loops of a read and an insert (ids from `firstId`, each used once) until stopped. */
export function runWorkload(
  calls: WorkloadCalls,
  firstId: number,
  workers: number,
  options: WorkloadOptions = {},
): Workload {
  const report: WorkloadReport = {
    reads: 0,
    inserts: [],
    failures: new Map(),
    messages: new Map(),
    portsAfter: new Set(),
    maxReadGapMs: 0,
    readLog: [],
    insertedAt: [],
    failureLog: [],
    issuedInserts: 0,
    hungWorkers: 0,
  };
  let lastReadAt = performance.now();
  let stop = false;
  let recordPorts = false;
  let nextId = firstId;
  const fail = (error: unknown, op: 'read' | 'write') => {
    const code = codeOf(error);
    report.failureLog.push({ at: performance.now(), op, code });
    report.failures.set(code, (report.failures.get(code) ?? 0) + 1);
    if (!report.messages.has(code)) report.messages.set(code, String((error as Error).message).slice(-120));
  };
  const loops = Array.from({ length: workers }, async (_, index) => {
    const reads = !options.separateReadsAndWrites || index % 2 === 0;
    const writes = !options.separateReadsAndWrites || index % 2 === 1;
    while (!stop) {
      if (reads) {
        try {
          const port = await calls.read();
          const now = performance.now();
          report.maxReadGapMs = Math.max(report.maxReadGapMs, Math.round(now - lastReadAt));
          lastReadAt = now;
          report.reads++;
          report.readLog.push({ at: now, port });
          if (recordPorts && port !== undefined) report.portsAfter.add(port);
        } catch (error) {
          fail(error, 'read');
        }
      }
      if (!writes) continue;
      const id = nextId++;
      report.issuedInserts++;
      try {
        await calls.insert(id);
        report.inserts.push(id);
        report.insertedAt.push(performance.now());
      } catch (error) {
        fail(error, 'write');
      }
    }
  });
  const finished = Promise.all(loops).then(() => undefined);
  return {
    report,
    finished,
    markAfter: () => {
      recordPorts = true;
    },
    stop: async (options = {}) => {
      stop = true;
      if (options.hangCapMs === undefined) {
        await finished;
        return report;
      }
      let done = 0;
      for (const loop of loops) void loop.then(() => done++);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise((resolve) => {
          timer = setTimeout(resolve, options.hangCapMs);
        }),
      ]);
      clearTimeout(timer);
      report.hungWorkers = workers - done;
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
