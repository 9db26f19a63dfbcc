import { randomBytes } from 'node:crypto';
import { goneAway, stats, subscribeTo } from '@goneaway/knex';
import { startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import knex from 'knex';
import { ChaosMonkey, type FaultCount, type FaultKind } from './chaos-monkey.js';
import { SeededRandom } from './seeded-random.js';
import {
  ACCOUNT_COUNT,
  type CommitResolutionCounts,
  createCounters,
  createWorkloadSchema,
  INITIAL_BALANCE,
  runWorker,
  workloadTables,
} from './transfer-workload.js';

export interface ChaosRunOptions {
  readonly seed: number;
  readonly durationMs: number;
  readonly workers?: number;
  /** One line per fault, as it happens. */
  readonly log?: (line: string) => void;
}

/** What the application saw and what the database holds afterwards. */
export interface ChaosReport {
  readonly seed: number;
  readonly durationMs: number;
  readonly workers: number;
  /** Transfers the application started / saw succeed. */
  readonly attempted: number;
  readonly acked: number;
  /** Errors that reached the application, by code (goneaway's GONEAWAY_*, the app's own, or `untyped:…`). */
  readonly surfacedByCode: Record<string, number>;
  /** Whole-transaction runs again inside withTransactionRetry, by reason. */
  readonly retriedByReason: Record<string, number>;
  readonly commitResolutions: CommitResolutionCounts;
  readonly faults: Record<FaultKind, FaultCount>;
  /** Acknowledged transfers whose row is missing. */
  readonly lost: string[];
  /** Idempotency keys present more than once. */
  readonly duplicates: string[];
  /** Transfers that failed with an error saying "not committed" (anything but COMMIT_UNKNOWN) yet are present. */
  readonly phantoms: string[];
  /** Failed transfers that did commit: only allowed after GONEAWAY_COMMIT_UNKNOWN. */
  readonly committedDespiteUnknown: number;
  readonly balance: { readonly expected: number; readonly actual: number };
  /** Accounts whose balance differs from its initial balance plus the transfers present. */
  readonly accountMismatches: number;
  readonly untypedSamples: string[];
  /** Transfers that did not settle within the grace period after the run (a hang). */
  readonly hung: number;
  readonly events: Record<string, number>;
  readonly connectAttempts: number;
  /** knex log lines (warn/error): noise goneaway should have suppressed for what it handled. */
  readonly knexLogLines: number;
  readonly knexLogSamples: string[];
}

/** How long transfers in flight at the end may take to settle (outage budget plus a resolution). */
const SETTLE_GRACE_MS = 45_000;

/**
 * A private durable MariaDB behind the fault proxy, `workers` transfer loops through
 * knex(goneAway(...)) and the chaos monkey for `durationMs`; then the checks, on the healed server.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosReport> {
  const workerCount = options.workers ?? 8;
  const random = new SeededRandom(options.seed);
  await using server = await startMariaDB({
    // Durable commits: a SIGKILL of mariadbd must not lose what it acknowledged.
    serverOptions: { innodb_flush_log_at_trx_commit: 1, max_allowed_packet: '16M' },
  });
  await using proxy = await startFaultProxy(server.port);
  const database = server.connection.database;
  const tables = workloadTables();
  await createWorkloadSchema(server, database, tables);

  const logLines: string[] = [];
  const keep = (level: string) => (message: unknown) => {
    logLines.push(`${level}: ${String(message).slice(0, 300)}`);
  };
  const db = knex(
    goneAway({
      client: 'mysql2',
      connection: proxy.route(server.connection),
      pool: { min: 2, max: workerCount + 2 },
      log: { warn: keep('warn'), error: keep('error'), deprecate: keep('deprecate'), debug: () => {} },
    }),
  );
  const events: Record<string, number> = {};
  subscribeTo(db, (event) => {
    events[event.type] = (events[event.type] ?? 0) + 1;
  });

  const counters = createCounters();
  const monkey = new ChaosMonkey({
    server,
    proxy,
    random: random.fork('chaos'),
    user: server.connection.user,
    log: options.log,
  });
  const runId = randomBytes(4).toString('hex');
  const deadline = Date.now() + options.durationMs;
  try {
    const workers = Array.from({ length: workerCount }, (_, workerId) =>
      runWorker({
        db,
        tables,
        random: random.fork(`worker-${workerId}`),
        workerId,
        runId,
        deadline,
        counters,
        // Half the workers resolve a lost COMMIT themselves, half through goneaway's commit marker.
        resolver: workerId % 2 === 0 ? 'idempotency-key' : 'commit-marker',
      }),
    );
    monkey.start();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
    await monkey.stop();
    const settled = await Promise.race([
      Promise.all(workers).then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), SETTLE_GRACE_MS).unref()),
    ]);
    const hung = settled ? 0 : counters.inFlight;
    const verdict = await verify(server, database, tables, counters.outcomes);
    const surfacedByCode: Record<string, number> = {};
    for (const outcome of counters.outcomes) {
      if (outcome.status === 'surfaced')
        surfacedByCode[outcome.code] = (surfacedByCode[outcome.code] ?? 0) + 1;
    }
    const dbStats = stats(db);
    return {
      seed: options.seed,
      durationMs: options.durationMs,
      workers: workerCount,
      attempted: counters.outcomes.length + hung,
      acked: counters.outcomes.filter((o) => o.status === 'acked').length,
      surfacedByCode,
      retriedByReason: counters.retries,
      commitResolutions: counters.resolutions,
      faults: monkey.counts,
      ...verdict,
      untypedSamples: counters.untypedSamples,
      hung,
      events,
      connectAttempts: dbStats.connectAttempts,
      knexLogLines: logLines.length,
      knexLogSamples: logLines.slice(0, 5),
    };
  } finally {
    await monkey.stop();
    await db.destroy();
  }
}

type Verdict = Pick<
  ChaosReport,
  'lost' | 'duplicates' | 'phantoms' | 'committedDespiteUnknown' | 'balance' | 'accountMismatches'
>;

async function verify(
  server: { query<T>(sql: string, params?: unknown[]): Promise<T[]> },
  database: string,
  tables: { accounts: string; transfers: string },
  outcomes: ReturnType<typeof createCounters>['outcomes'],
): Promise<Verdict> {
  const present = new Map<string, number>();
  for (const row of await server.query<{ k: string; n: number }>(
    `SELECT idempotency_key AS k, COUNT(*) AS n FROM ${database}.${tables.transfers} GROUP BY idempotency_key`,
  )) {
    present.set(row.k, Number(row.n));
  }
  const lost: string[] = [];
  const phantoms: string[] = [];
  let committedDespiteUnknown = 0;
  for (const outcome of outcomes) {
    const count = present.get(outcome.key) ?? 0;
    if (outcome.status === 'acked') {
      if (count === 0) lost.push(outcome.key);
    } else if (count > 0) {
      if (outcome.code === 'GONEAWAY_COMMIT_UNKNOWN') committedDespiteUnknown++;
      else phantoms.push(`${outcome.key} (${outcome.code})`);
    }
  }
  const duplicates = [...present].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);

  const [sum] = await server.query<{ total: string | number }>(
    `SELECT SUM(balance) AS total FROM ${database}.${tables.accounts}`,
  );
  // Each account must equal its start plus what the transfers present moved in and out: a transfer row
  // without its debit and credit (or the reverse) would show here even when the sum still holds.
  const mismatches = await server.query<{ id: number }>(
    `SELECT a.id FROM ${database}.${tables.accounts} a
       LEFT JOIN (SELECT from_id AS id, SUM(amount) AS out_sum FROM ${database}.${tables.transfers} GROUP BY from_id) o ON o.id = a.id
       LEFT JOIN (SELECT to_id AS id, SUM(amount) AS in_sum FROM ${database}.${tables.transfers} GROUP BY to_id) i ON i.id = a.id
      WHERE a.balance <> ? - COALESCE(o.out_sum, 0) + COALESCE(i.in_sum, 0)`,
    [INITIAL_BALANCE],
  );
  return {
    lost,
    duplicates,
    phantoms,
    committedDespiteUnknown,
    balance: { expected: ACCOUNT_COUNT * INITIAL_BALANCE, actual: Number(sum?.total) },
    accountMismatches: mismatches.length,
  };
}
