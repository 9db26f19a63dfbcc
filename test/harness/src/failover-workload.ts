/** What a failover workload saw: reads, acknowledged inserts, failures by code, the ports that answered. */
export interface WorkloadReport {
  reads: number;
  inserts: number[];
  failures: Map<string, number>;
  /** The first message seen for each failure code (its end: knex puts the SQL first). */
  messages: Map<string, string>;
  /** The ports that answered reads once `markAfter()` was called. */
  portsAfter: Set<number>;
  /** When (performance.now()) each of `portsAfter` first answered a read. */
  portsAfterAt: Map<number, number>;
  /** The longest stretch (ms) without a successful read, any worker: how long the app could not read. */
  maxReadGapMs: number;
  /** When (performance.now()) each acknowledged insert was acknowledged, in the order of `inserts`. */
  insertAckedAt: number[];
  /** The ids of each committed transaction (only when the calls have `transaction`). */
  transactions: number[][];
  /** Transactions begun (committed or not). */
  transactionsStarted: number;
  /** Every failure: which operation, its code, when it started and ended, and the ids it tried to write. */
  failureLog: WorkloadFailure[];
  /** When (performance.now()) each read succeeded and the port that answered it, in completion order. */
  readLog: Array<{ readonly at: number; readonly port: number | undefined }>;
  /** Insert ids handed out (inserts and transactions): `firstId` up to, not including, `firstId + issuedIds`. */
  issuedIds: number;
  /** Workers still inside a statement when `stop({ hangCapMs })` gave up waiting for them. */
  hungWorkers: number;
}

/** One failed operation of a workload. */
export interface WorkloadFailure {
  readonly operation: 'read' | 'insert' | 'transaction';
  readonly code: string;
  /** performance.now() when the operation started and when it failed. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ids: readonly number[];
}

/** The two calls a workload makes, in the library under test's own way. */
export interface WorkloadCalls {
  /** A read; resolves with the port of the server that answered it (`SELECT @@port`), if it says. */
  read(): Promise<number | undefined>;
  /** An insert of one row with a unique id. */
  insert(id: number): Promise<unknown>;
  /**
   * Optional: one transaction that inserts every id of `ids` (two rows: a 2–3 statement transaction
   * with its BEGIN and COMMIT), in the library's own way. The workload then runs one after each insert.
   */
  transaction?(ids: readonly number[]): Promise<unknown>;
}

export interface WorkloadOptions {
  /**
   * Half the workers only read, the other half only insert (default: each worker reads then inserts).
   * A stalled insert (Galera holds writes while it evicts a node) then cannot hide whether reads work.
   */
  readonly separateReadsAndWrites?: boolean;
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
    portsAfterAt: new Map(),
    maxReadGapMs: 0,
    insertAckedAt: [],
    transactions: [],
    transactionsStarted: 0,
    failureLog: [],
    readLog: [],
    issuedIds: 0,
    hungWorkers: 0,
  };
  let lastReadAt = performance.now();
  let stop = false;
  let recordPorts = false;
  let nextId = firstId;
  const fail = (
    error: unknown,
    operation: WorkloadFailure['operation'],
    startedAt: number,
    ids: readonly number[] = [],
  ) => {
    const code = codeOf(error);
    report.failureLog.push({ operation, code, startedAt, endedAt: performance.now(), ids });
    report.failures.set(code, (report.failures.get(code) ?? 0) + 1);
    if (!report.messages.has(code)) report.messages.set(code, String((error as Error).message).slice(-120));
  };
  const takeId = () => {
    report.issuedIds++;
    return nextId++;
  };
  const loops = Array.from({ length: workers }, async (_, index) => {
    const reads = !options.separateReadsAndWrites || index % 2 === 0;
    const writes = !options.separateReadsAndWrites || index % 2 === 1;
    let failuresSeen = 0;
    while (!stop) {
      // A call that fails without I/O (a circuit open, failing fast) would otherwise make this loop
      // microtasks only, and starve every timer: the test's own sleeps included.
      if (failuresSeen !== report.failureLog.length) await new Promise((resolve) => setImmediate(resolve));
      failuresSeen = report.failureLog.length;
      let startedAt = performance.now();
      if (reads) {
        try {
          const port = await calls.read();
          const now = performance.now();
          report.maxReadGapMs = Math.max(report.maxReadGapMs, Math.round(now - lastReadAt));
          lastReadAt = now;
          report.reads++;
          report.readLog.push({ at: now, port });
          if (recordPorts && port !== undefined) {
            report.portsAfter.add(port);
            if (!report.portsAfterAt.has(port)) report.portsAfterAt.set(port, now);
          }
        } catch (error) {
          fail(error, 'read', startedAt);
        }
      }
      if (!writes) continue;
      const id = takeId();
      startedAt = performance.now();
      try {
        await calls.insert(id);
        report.inserts.push(id);
        report.insertAckedAt.push(performance.now());
      } catch (error) {
        fail(error, 'insert', startedAt, [id]);
      }
      if (calls.transaction === undefined || stop) continue;
      const ids = [takeId(), takeId()];
      startedAt = performance.now();
      report.transactionsStarted++;
      try {
        await calls.transaction(ids);
        report.transactions.push(ids);
      } catch (error) {
        fail(error, 'transaction', startedAt, ids);
      }
    }
  });
  let returned = 0;
  const finished = Promise.all(loops.map((loop) => loop.finally(() => returned++))).then(() => undefined);
  return {
    report,
    finished,
    markAfter: () => {
      recordPorts = true;
    },
    stop: async (stopOptions = {}) => {
      stop = true;
      if (stopOptions.hangCapMs === undefined) {
        await finished;
        return report;
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise((resolve) => {
          timer = setTimeout(resolve, stopOptions.hangCapMs);
        }),
      ]);
      clearTimeout(timer);
      report.hungWorkers = workers - returned;
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

/** The failures of one kind of operation, by code. */
export function failuresOf(
  report: WorkloadReport,
  operation: WorkloadFailure['operation'],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const failure of report.failureLog) {
    if (failure.operation === operation) counts.set(failure.code, (counts.get(failure.code) ?? 0) + 1);
  }
  return counts;
}

/** How long (ms) after `since` (performance.now()) the first insert acknowledged after it was; undefined if none. */
export function firstInsertAfter(report: WorkloadReport, since: number): number | undefined {
  let first: number | undefined;
  for (const at of report.insertAckedAt) if (at >= since && (first === undefined || at < first)) first = at;
  return first === undefined ? undefined : Math.round(first - since);
}

/** Reads, inserts and transactions, their failures by operation, the longest read gap: one line for the test output. */
export function describeMix(report: WorkloadReport): string {
  const by = (operation: WorkloadFailure['operation']) =>
    JSON.stringify(Object.fromEntries(failuresOf(report, operation)));
  return (
    `${report.reads} reads (failures ${by('read')}), ${report.inserts.length} acknowledged inserts (failures ${by('insert')}), ` +
    `${report.transactions.length} of ${report.transactionsStarted} transactions committed (failures ${by('transaction')}); ` +
    `messages ${JSON.stringify(Object.fromEntries(report.messages))}; longest time without a successful read ${report.maxReadGapMs} ms`
  );
}

/** The typed errors a transaction caught by a failover may end with (one per transaction). */
export const TRANSACTION_FAILOVER_CODES: readonly string[] = [
  'GONEAWAY_TRANSACTION_LOST',
  'GONEAWAY_COMMIT_UNKNOWN',
  'GONEAWAY_CONNECTION_LOST',
];
