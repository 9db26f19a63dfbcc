import { DEFAULT_POLICY } from '@goneaway/core';
import { startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { type Benchmark, type Check, type Side, verdictCell } from '../benchmark.js';
import { alternate } from '../interleave.js';
import { connectBound, type RideThroughRun, rideThrough } from '../ride-through.js';

export interface ScaleConfig {
  readonly waiters: number;
  readonly pool: { readonly min: number; readonly max: number };
  readonly downMs: number;
  readonly beforeMs: number;
  readonly afterMs: number;
  /** Runs per side, interleaved. */
  readonly repeats: number;
}

const FULL: ScaleConfig = {
  waiters: 1000,
  pool: { min: 2, max: 100 },
  downMs: 1500,
  beforeMs: 500,
  afterMs: 1500,
  repeats: 1,
};
const QUICK: ScaleConfig = { ...FULL, downMs: 1000, beforeMs: 300, afterMs: 700 };

const MIB = 1024 * 1024;

export interface ScaleSummary {
  readonly connectBound: number;
  readonly bare: RideThroughRun;
  readonly goneaway: RideThroughRun;
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / MIB).toFixed(1)}`;
}

function msText(value: number | null): string {
  return value === null ? 'never' : String(Math.round(value));
}

export const scale: Benchmark<ScaleConfig, ScaleSummary, RideThroughRun[]> = {
  name: 'scale',
  title: '6. Scale: pool max 100, 1,000 concurrent waiters through a restart',
  needsControl: true,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    // Room for the pool of 100 plus the harness's admin connections.
    const server = await startMariaDB({ serverOptions: { max_connections: config.pool.max + 50 } });
    const proxy = await startFaultProxy(server.port);
    try {
      const mariadbVersion = await server.version();
      const samples: RideThroughRun[] = [];
      for (let repeat = 0; repeat < config.repeats; repeat++) {
        for (const side of alternate<Side>('bare', 'goneaway', repeat)) {
          context.progress(`${side}: ${config.waiters} waiters`);
          samples.push(
            await rideThrough(server, proxy, {
              side,
              workers: config.waiters,
              downMs: config.downMs,
              pool: config.pool,
              beforeMs: config.beforeMs,
              afterMs: config.afterMs,
              measureMemory: true,
              progress: (text) => context.progress(text),
            }),
          );
        }
      }
      // With more than one repeat, the summary shows each side's worst run (most errors, slowest recovery).
      const worst = (side: Side) =>
        samples
          .filter((run) => run.side === side)
          .sort((a, b) => b.errors - a.errors || (b.recoveryMs ?? Infinity) - (a.recoveryMs ?? Infinity))[0]!;
      const goneaway = worst('goneaway');
      const summary: ScaleSummary = {
        connectBound: connectBound(
          goneaway.outageMs ?? config.downMs,
          DEFAULT_POLICY.backoff,
          config.pool.max,
        ),
        bare: worst('bare'),
        goneaway,
      };
      return { mariadbVersion, checks: scaleChecks(summary), summary, samples };
    } finally {
      await proxy.close();
      await server.destroy();
    }
  },

  table(result) {
    const { bare, goneaway, connectBound: bound } = result.summary;
    const memory = (run: RideThroughRun) =>
      `${megabytes(run.memory?.heapBeforeBytes)} → peak ${megabytes(run.memory?.peakBytes)} → ${megabytes(run.memory?.heapAfterBytes)}`;
    return {
      head: ['', 'bare knex', 'knex + goneaway', 'target'],
      rows: [
        [
          'errors surfaced',
          String(bare.errors),
          verdictCell(String(goneaway.errors), goneaway.errors === 0),
          '0',
        ],
        [
          'connect attempts during the outage',
          String(bare.connectsDuringOutage),
          verdictCell(String(goneaway.connectsDuringOutage), goneaway.connectsDuringOutage <= bound),
          `≤ ${bound}`,
        ],
        ['server accepting → first ok, ms', msText(bare.recoveryMs), msText(goneaway.recoveryMs), ''],
        [
          'server accepting → all 1,000 served, ms',
          msText(bare.allServedMs),
          msText(goneaway.allServedMs),
          '',
        ],
        ['heap + buffers MiB: before → peak → after (GC)', memory(bare), memory(goneaway), ''],
        ['ok queries', String(bare.okQueries), String(goneaway.okQueries), ''],
        ['knex log lines', String(bare.noiseLines), String(goneaway.noiseLines), ''],
      ],
      notes: [
        `${result.config.waiters} callers loop on \`select 1\` over a pool of max ${result.config.pool.max} through the fault proxy; the server is SIGKILLed and back after ${result.config.downMs} ms (measured outage: bare ${msText(bare.outageMs)} ms, goneaway ${msText(goneaway.outageMs)} ms).`,
      ],
    };
  },
};

function scaleChecks(summary: ScaleSummary): Check[] {
  const { goneaway, bare, connectBound: bound } = summary;
  const codes = Object.entries(goneaway.errorCodes)
    .map(([code, count]) => `${count}× ${code}`)
    .join(', ');
  const grew = (goneaway.memory?.heapAfterBytes ?? 0) - (goneaway.memory?.heapBeforeBytes ?? 0);
  return [
    {
      label: 'errors surfaced with 1,000 waiters (goneaway)',
      target: '0',
      measured:
        goneaway.errors === 0
          ? `0 (bare ${bare.errors})`
          : `${goneaway.errors}: ${codes} (bare ${bare.errors})`,
      met: goneaway.errors === 0,
    },
    {
      label: 'connect attempts during the outage (goneaway)',
      target: `≤ ${bound}`,
      measured: `${goneaway.connectsDuringOutage} (bare ${bare.connectsDuringOutage})`,
      met: goneaway.connectsDuringOutage <= bound,
    },
    {
      label: 'heap after recovery vs before (goneaway, after GC)',
      target: '< +5 MiB',
      measured: `${grew >= 0 ? '+' : ''}${(grew / MIB).toFixed(1)} MiB`,
      met: grew < 5 * MIB,
    },
  ];
}
