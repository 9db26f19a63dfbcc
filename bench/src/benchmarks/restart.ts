import { DEFAULT_POLICY } from '@goneaway/core';
import { startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { type Benchmark, type Check, type Side, verdictCell } from '../benchmark.js';
import { alternate } from '../interleave.js';
import { connectBound, type RideThroughRun, rideThrough } from '../ride-through.js';
import { median } from '../sample-stats.js';

export interface RestartConfig {
  readonly workers: readonly number[];
  readonly downMs: readonly number[];
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly pool: { readonly min: number; readonly max: number };
}

/** Targets of the issue. */
export const RECOVERY_TARGET_MS = 100;

const FULL: RestartConfig = {
  workers: [4, 64],
  downMs: [500, 1500, 4000],
  beforeMs: 300,
  afterMs: 1000,
  pool: { min: 2, max: 10 },
};

const QUICK: RestartConfig = { ...FULL, downMs: [1000], afterMs: 500 };

export interface RestartRow {
  readonly workers: number;
  readonly downMs: number;
  /** Connect attempts the backoff schedule allows for this outage (see connectBound). */
  readonly connectBound: number;
  readonly bare: RideThroughRun;
  readonly goneaway: RideThroughRun;
  readonly errorsMet: boolean;
  readonly connectsMet: boolean;
  readonly recoveryMet: boolean | null;
}

export interface RestartSummary {
  readonly rows: readonly RestartRow[];
  readonly outageBudgetMs: number;
  readonly backoff: { readonly initialDelayMs: number; readonly maxDelayMs: number };
}

export const restart: Benchmark<RestartConfig, RestartSummary, RideThroughRun[]> = {
  name: 'restart',
  title: '2. Restart ride-through: SIGKILL under load, server back after a while',
  needsControl: true,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB();
    const proxy = await startFaultProxy(server.port);
    try {
      const mariadbVersion = await server.version();
      const samples: RideThroughRun[] = [];
      const rows: RestartRow[] = [];
      let cellIndex = 0;
      for (const workers of config.workers) {
        for (const downMs of config.downMs) {
          const runs = new Map<Side, RideThroughRun>();
          for (const side of alternate<Side>('bare', 'goneaway', cellIndex++)) {
            const label = `${workers} workers, down ${downMs} ms`;
            context.progress(`${label}: ${side}`);
            const run = await rideThrough(server, proxy, {
              side,
              workers,
              downMs,
              pool: config.pool,
              beforeMs: config.beforeMs,
              afterMs: config.afterMs,
              progress: (text) => context.progress(`${label}: ${text}`),
            });
            runs.set(side, run);
            samples.push(run);
          }
          const bare = runs.get('bare')!;
          const goneaway = runs.get('goneaway')!;
          const bound = connectBound(goneaway.outageMs ?? downMs, DEFAULT_POLICY.backoff, config.pool.max);
          rows.push({
            workers,
            downMs,
            connectBound: bound,
            bare,
            goneaway,
            errorsMet: goneaway.errors === 0,
            connectsMet: goneaway.connectsDuringOutage <= bound,
            recoveryMet: goneaway.recoveryMs === null ? false : goneaway.recoveryMs <= RECOVERY_TARGET_MS,
          });
        }
      }
      const summary: RestartSummary = {
        rows,
        outageBudgetMs: DEFAULT_POLICY.outageBudgetMs,
        backoff: DEFAULT_POLICY.backoff,
      };
      return { mariadbVersion, checks: restartChecks(rows), summary, samples };
    } finally {
      await proxy.close();
      await server.destroy();
    }
  },

  table(result) {
    const ms = (value: number | null) => (value === null ? 'never' : `${Math.round(value)}`);
    const rows = result.summary.rows.map((row) => [
      String(row.workers),
      `${(row.downMs / 1000).toFixed(1)} s (${ms(row.goneaway.outageMs)} ms)`,
      verdictCell(`${row.bare.errors} / ${row.goneaway.errors}`, row.errorsMet),
      verdictCell(
        `${row.bare.connectsDuringOutage} / ${row.goneaway.connectsDuringOutage} (≤ ${row.connectBound})`,
        row.connectsMet,
      ),
      verdictCell(`${ms(row.bare.recoveryMs)} / ${ms(row.goneaway.recoveryMs)}`, row.recoveryMet),
      `${row.bare.okQueries} / ${row.goneaway.okQueries}`,
      `${Math.round(row.goneaway.longestOkQueryMs)}`,
      `${row.bare.noiseLines} / ${row.goneaway.noiseLines}`,
    ]);
    const { outageBudgetMs, backoff } = result.summary;
    return {
      head: [
        'workers',
        'down (measured outage)',
        'errors bare / goneaway (0)',
        'connects in outage bare / goneaway (bound)',
        `first ok after back, ms (≤ ${RECOVERY_TARGET_MS})`,
        'ok queries bare / goneaway',
        'longest goneaway wait, ms',
        'knex log lines',
      ],
      rows,
      notes: [
        'Each worker runs `select 1` through the fault proxy in a loop; the server is SIGKILLed and started again after the down time. Measured outage: SIGKILL until the server greets a raw TCP connect.',
        `Connects: connections the proxy accepted while the server was down. Bound: twice the expected attempts of the backoff schedule (${backoff.initialDelayMs} ms doubling to ${backoff.maxDelayMs} ms, full jitter) over the outage, plus the pool max.`,
        `"first ok after back": from the server's first greeting to the first successful query; goneaway's outage budget is ${outageBudgetMs} ms, after which it fails fast with GONEAWAY_UNAVAILABLE.`,
      ],
    };
  },
};

function restartChecks(rows: readonly RestartRow[]): Check[] {
  if (rows.length === 0) return [];
  const errors = rows.reduce((sum, row) => sum + row.goneaway.errors, 0);
  const codes = new Map<string, number>();
  for (const row of rows) {
    for (const [code, count] of Object.entries(row.goneaway.errorCodes)) {
      codes.set(code, (codes.get(code) ?? 0) + count);
    }
  }
  const withinBudget = rows.filter((row) => (row.goneaway.outageMs ?? Number.POSITIVE_INFINITY) < 5000);
  const budgetErrors = withinBudget.reduce((sum, row) => sum + row.goneaway.errors, 0);
  const connectMisses = rows.filter((row) => !row.connectsMet);
  const recoveries = rows.map((row) => row.goneaway.recoveryMs);
  const worstRecovery = recoveries.some((value) => value === null)
    ? null
    : Math.max(...(recoveries as number[]));
  const describeCodes = [...codes].map(([code, count]) => `${count}× ${code}`).join(', ');
  return [
    {
      label: 'errors surfaced, outages within the 5 s budget (goneaway)',
      target: '0',
      measured: `${budgetErrors} in ${withinBudget.length} runs`,
      met: budgetErrors === 0,
    },
    {
      label: 'errors surfaced, every run (goneaway)',
      target: '0',
      measured: errors === 0 ? '0' : `${errors} (${describeCodes})`,
      met: errors === 0,
    },
    {
      label: 'connect attempts during the outage (goneaway)',
      target: 'within the backoff bound',
      measured: `${rows.length - connectMisses.length}/${rows.length} runs within; most ${Math.max(...rows.map((row) => row.goneaway.connectsDuringOutage))} vs bare up to ${Math.max(...rows.map((row) => row.bare.connectsDuringOutage))}`,
      met: connectMisses.length === 0,
    },
    {
      label: 'server accepting → first successful query (goneaway)',
      target: `≤ ${RECOVERY_TARGET_MS} ms`,
      measured:
        worstRecovery === null
          ? 'no success after the restart in some run'
          : `worst ${Math.round(worstRecovery)} ms, median ${Math.round(median(recoveries as number[]))} ms`,
      met: worstRecovery !== null && worstRecovery <= RECOVERY_TARGET_MS,
    },
  ];
}
