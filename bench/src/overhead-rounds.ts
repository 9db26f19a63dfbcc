import { type Check, type TableSpec, verdictCell } from './benchmark.js';
import { interleavedOrder } from './interleave.js';
import { median, percentile, percentileOfSorted, round } from './sample-stats.js';

// The presets, measuring loop, summary and table shared by the overhead benchmarks (knex, mysql2,
// TypeORM, Prisma, Sequelize):
// two bare instances of the library (their ratio is the noise floor) and one with goneaway, in the same
// process, interleaved in short rounds.

export interface OverheadConfig<W extends string = string> {
  readonly workloads: readonly W[];
  /** Concurrent callers; 1 is sequential. */
  readonly concurrency: readonly number[];
  /** Interleaved rounds per cell (workload × concurrency); each runs every side once. */
  readonly rounds: number;
  /** How long each side runs per round (measured). */
  readonly segmentMs: number;
  /**
   * Unmeasured run before each segment: a side's pool sat idle while the other two ran, so its
   * first acquires validate (ping); in a service under load they would not.
   */
  readonly rampMs: number;
  /** Unmeasured run per side before a cell's first round (JIT, pool connections, buffer pool). */
  readonly warmupMs: number;
  readonly pool: { readonly min: number; readonly max: number };
}

/**
 * The presets every overhead benchmark runs: the same rounds, segments and ramps, so the tables of
 * the five libraries compare; only the workloads and the pool differ. Many short rounds rather than
 * a few long ones: on a shared machine the noise comes in bursts of hundreds of ms, which then hit
 * the three sides of a round alike, and the median over many rounds settles. Two other sides'
 * segments (2 × (ramp + segment)) stay under goneaway's 500 ms bypass window.
 */
export function overheadPresets<W extends string>(
  workloads: readonly W[],
  pool: OverheadConfig['pool'],
): { readonly full: OverheadConfig<W>; readonly quick: OverheadConfig<W> } {
  const full: OverheadConfig<W> = {
    workloads,
    concurrency: [1, 8, 32],
    rounds: 20,
    segmentMs: 100,
    rampMs: 15,
    warmupMs: 300,
    pool,
  };
  return { full, quick: { ...full, rounds: 6, segmentMs: 50, rampMs: 10, warmupMs: 80 } };
}

/** Target of the issue: goneaway costs nothing when all is well. */
export const THROUGHPUT_TARGET = 0.99;
export const P99_TARGET = 1.05;

/** The three runners of every round: two bare instances (their ratio is the noise floor) and goneaway. */
export type Runner = 'bare' | 'bare-2' | 'goneaway';
export const RUNNERS: readonly Runner[] = ['bare', 'bare-2', 'goneaway'];

export interface SegmentSample<W extends string = string> {
  readonly workload: W;
  readonly concurrency: number;
  readonly round: number;
  readonly runner: Runner;
  /** Position in the round (0 first). */
  readonly position: number;
  readonly ops: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** This process's CPU time (user + system) per operation: the client-side cost, immune to waiting. */
  readonly cpuUsPerOp: number;
  /** goneaway only: validation pings and retries during the measured segment (ramp excluded). */
  readonly validationPings: number;
  readonly retries: number;
}

export interface RatioSummary {
  /** Median over rounds of the per-round ratio. */
  readonly median: number;
  /** Interquartile range of the per-round ratios: how much one round can be trusted. */
  readonly p25: number;
  readonly p75: number;
}

export interface OverheadRow<W extends string = string> {
  readonly workload: W;
  readonly concurrency: number;
  readonly bareOpsPerSecond: number;
  readonly goneawayOpsPerSecond: number;
  readonly bareP50Ms: number;
  readonly goneawayP50Ms: number;
  readonly bareP99Ms: number;
  readonly goneawayP99Ms: number;
  /** Client CPU µs per operation, median of rounds: the library's own cost, apart from waiting. */
  readonly bareCpuUsPerOp: number;
  readonly goneawayCpuUsPerOp: number;
  readonly noiseCpuUsPerOp: number;
  /** goneaway / bare, per round, then the median. */
  readonly throughputRatio: RatioSummary;
  readonly p50Ratio: RatioSummary;
  readonly p99Ratio: RatioSummary;
  /** bare-2 / bare, the same way: what the machine's noise alone produces. */
  readonly noiseThroughputRatio: RatioSummary;
  readonly noiseP50Ratio: RatioSummary;
  readonly noiseP99Ratio: RatioSummary;
  /** Validation pings per 1,000 operations during measured segments (target 0: the pool is busy). */
  readonly validationPingsPer1000: number;
  readonly retries: number;
  readonly errors: number;
  readonly throughputMet: boolean;
  readonly p99Met: boolean;
}

export interface OverheadSummary<W extends string = string> {
  readonly rows: readonly OverheadRow<W>[];
  readonly throughputTarget: number;
  readonly p99Target: number;
}

/** One side of a round: how it runs an operation of a workload, and goneaway's counters (zeros when bare). */
export interface OverheadSide<W extends string> {
  operation(workload: W): (worker: number, sequence: number) => Promise<unknown>;
  counters(): { readonly validationPings: number; readonly retries: number };
}

interface SegmentResult {
  readonly cpuUs: number;
  readonly ops: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly latencies: Float64Array;
}

let sequence = 0;

/** `concurrency` callers, each running the operation back to back until `durationMs` is over. */
async function runSegment(
  operation: (worker: number, sequence: number) => Promise<unknown>,
  concurrency: number,
  durationMs: number,
): Promise<SegmentResult> {
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  const caller = async (worker: number) => {
    while (performance.now() < deadline) {
      const before = performance.now();
      try {
        await operation(worker, sequence++);
        latencies.push(performance.now() - before);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => caller(worker)));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    cpuUs: cpu.user + cpu.system,
    ops: latencies.length,
    errors,
    elapsedMs,
    latencies: Float64Array.from(latencies).sort(),
  };
}

/** Every cell (workload × concurrency): a warm-up per side, then `rounds` interleaved rounds. */
async function runOverheadCells<W extends string>(
  sides: ReadonlyMap<Runner, OverheadSide<W>>,
  config: OverheadConfig<W>,
  titles: Readonly<Record<W, string>>,
  progress: (text: string) => void,
): Promise<{ rows: OverheadRow<W>[]; samples: SegmentSample<W>[] }> {
  const samples: SegmentSample<W>[] = [];
  const rows: OverheadRow<W>[] = [];
  const side = (runner: Runner) => sides.get(runner)!;
  for (const name of config.workloads) {
    for (const concurrency of config.concurrency) {
      const label = `${titles[name]} ×${concurrency}`;
      progress(`${label}: warm-up`);
      for (const runner of RUNNERS) {
        await runSegment(side(runner).operation(name), concurrency, config.warmupMs);
      }
      const cell: SegmentSample<W>[] = [];
      for (let roundIndex = 0; roundIndex < config.rounds; roundIndex++) {
        progress(`${label}: round ${roundIndex + 1}/${config.rounds}`);
        const order = interleavedOrder(RUNNERS, roundIndex);
        for (const [position, runner] of order.entries()) {
          const operation = side(runner).operation(name);
          await runSegment(operation, concurrency, config.rampMs);
          const before = side(runner).counters();
          const segment = await runSegment(operation, concurrency, config.segmentMs);
          const after = side(runner).counters();
          cell.push({
            workload: name,
            concurrency,
            round: roundIndex,
            runner,
            position,
            ops: segment.ops,
            errors: segment.errors,
            elapsedMs: round(segment.elapsedMs),
            opsPerSecond: round((segment.ops / segment.elapsedMs) * 1000, 1),
            p50Ms: round(percentileOfSorted(segment.latencies, 50), 4),
            p90Ms: round(percentileOfSorted(segment.latencies, 90), 4),
            p99Ms: round(percentileOfSorted(segment.latencies, 99), 4),
            maxMs: round(percentileOfSorted(segment.latencies, 100), 4),
            cpuUsPerOp: round(segment.ops === 0 ? Number.NaN : segment.cpuUs / segment.ops, 1),
            validationPings: after.validationPings - before.validationPings,
            retries: after.retries - before.retries,
          });
        }
      }
      samples.push(...cell);
      rows.push(summarizeCell(name, concurrency, cell));
    }
  }
  return { rows, samples };
}

function ratioSummary(ratios: readonly number[]): RatioSummary {
  return {
    median: round(median(ratios), 4),
    p25: round(percentile(ratios, 25), 4),
    p75: round(percentile(ratios, 75), 4),
  };
}

/**
 * Every cell, then what an overhead benchmark reports: the rows against the targets, the checks and
 * the raw samples.
 */
export async function measureOverhead<W extends string>(
  sides: ReadonlyMap<Runner, OverheadSide<W>>,
  config: OverheadConfig<W>,
  titles: Readonly<Record<W, string>>,
  progress: (text: string) => void,
): Promise<{ checks: Check[]; summary: OverheadSummary<W>; samples: SegmentSample<W>[] }> {
  const { rows, samples } = await runOverheadCells(sides, config, titles, progress);
  const summary: OverheadSummary<W> = { rows, throughputTarget: THROUGHPUT_TARGET, p99Target: P99_TARGET };
  return { checks: overheadChecks(rows, titles), summary, samples };
}

/** The tables both overhead benchmarks write to: 200 rows to read, and one to insert into. */
export async function createOverheadTables(query: (sql: string) => Promise<unknown>): Promise<void> {
  await query('DROP TABLE IF EXISTS bench_items, bench_writes');
  await query(
    'CREATE TABLE bench_items (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, score DOUBLE NOT NULL) ENGINE=InnoDB',
  );
  const values = Array.from(
    { length: 200 },
    (_, index) => `(${index + 1}, 'item-${index + 1}', ${index * 1.5})`,
  );
  await query(`INSERT INTO bench_items VALUES ${values.join(', ')}`);
  await query(
    'CREATE TABLE bench_writes (id BIGINT AUTO_INCREMENT PRIMARY KEY, worker INT NOT NULL, sequence BIGINT NOT NULL, note VARCHAR(64) NOT NULL) ENGINE=InnoDB',
  );
}

function summarizeCell<W extends string>(
  workload: W,
  concurrency: number,
  cell: readonly SegmentSample<W>[],
): OverheadRow<W> {
  const byRound = new Map<number, Partial<Record<Runner, SegmentSample<W>>>>();
  for (const sample of cell) {
    const entry = byRound.get(sample.round) ?? {};
    entry[sample.runner] = sample;
    byRound.set(sample.round, entry);
  }
  type Field = 'opsPerSecond' | 'p50Ms' | 'p99Ms' | 'cpuUsPerOp';
  const ratios = (runner: Runner, field: Field) => {
    const values: number[] = [];
    for (const entry of byRound.values()) {
      const base = entry.bare?.[field];
      const other = entry[runner]?.[field];
      if (base !== undefined && other !== undefined && base > 0) values.push(other / base);
    }
    return ratioSummary(values);
  };
  const of = (runner: Runner, field: Field) =>
    round(
      median(cell.filter((sample) => sample.runner === runner).map((sample) => sample[field])),
      field === 'opsPerSecond' || field === 'cpuUsPerOp' ? 1 : 4,
    );
  const goneaway = cell.filter((sample) => sample.runner === 'goneaway');
  const goneawayOps = goneaway.reduce((sum, sample) => sum + sample.ops, 0);
  const pings = goneaway.reduce((sum, sample) => sum + sample.validationPings, 0);
  const throughputRatio = ratios('goneaway', 'opsPerSecond');
  const p99Ratio = ratios('goneaway', 'p99Ms');
  return {
    workload,
    concurrency,
    bareOpsPerSecond: of('bare', 'opsPerSecond'),
    goneawayOpsPerSecond: of('goneaway', 'opsPerSecond'),
    bareP50Ms: of('bare', 'p50Ms'),
    goneawayP50Ms: of('goneaway', 'p50Ms'),
    bareP99Ms: of('bare', 'p99Ms'),
    goneawayP99Ms: of('goneaway', 'p99Ms'),
    bareCpuUsPerOp: of('bare', 'cpuUsPerOp'),
    goneawayCpuUsPerOp: of('goneaway', 'cpuUsPerOp'),
    noiseCpuUsPerOp: of('bare-2', 'cpuUsPerOp'),
    throughputRatio,
    p50Ratio: ratios('goneaway', 'p50Ms'),
    p99Ratio,
    noiseThroughputRatio: ratios('bare-2', 'opsPerSecond'),
    noiseP50Ratio: ratios('bare-2', 'p50Ms'),
    noiseP99Ratio: ratios('bare-2', 'p99Ms'),
    validationPingsPer1000: goneawayOps === 0 ? Number.NaN : round((pings / goneawayOps) * 1000, 3),
    retries: goneaway.reduce((sum, sample) => sum + sample.retries, 0),
    errors: cell.reduce((sum, sample) => sum + sample.errors, 0),
    throughputMet: throughputRatio.median >= THROUGHPUT_TARGET,
    p99Met: p99Ratio.median <= P99_TARGET,
  };
}

function overheadChecks<W extends string>(
  rows: readonly OverheadRow<W>[],
  titles: Readonly<Record<W, string>>,
): Check[] {
  if (rows.length === 0) return [];
  const worstThroughput = rows.reduce((worst, row) =>
    row.throughputRatio.median < worst.throughputRatio.median ? row : worst,
  );
  const worstP99 = rows.reduce((worst, row) => (row.p99Ratio.median > worst.p99Ratio.median ? row : worst));
  const describe = (row: OverheadRow<W>) => `${titles[row.workload]} ×${row.concurrency}`;
  const throughputMisses = rows.filter((row) => !row.throughputMet).length;
  const p99Misses = rows.filter((row) => !row.p99Met).length;
  const pings = rows.reduce((sum, row) => sum + row.validationPingsPer1000, 0) / rows.length;
  const errors = rows.reduce((sum, row) => sum + row.errors, 0);
  return [
    {
      label: 'throughput goneaway / bare, every row',
      target: `≥ ${THROUGHPUT_TARGET}`,
      measured: `worst ${worstThroughput.throughputRatio.median.toFixed(3)} (${describe(worstThroughput)}); ${rows.length - throughputMisses}/${rows.length} rows met`,
      met: throughputMisses === 0,
    },
    {
      label: 'p99 latency goneaway / bare, every row',
      target: `≤ ${P99_TARGET}`,
      measured: `worst ${worstP99.p99Ratio.median.toFixed(3)} (${describe(worstP99)}); ${rows.length - p99Misses}/${rows.length} rows met`,
      met: p99Misses === 0,
    },
    {
      label: 'validation pings per 1,000 queries (busy pool)',
      target: '0',
      measured: String(round(pings, 3)),
      met: pings === 0,
    },
    {
      label: 'errors (any side)',
      target: '0',
      measured: String(errors),
      met: errors === 0,
    },
  ];
}

/** The table of an overhead result; `library` names the bare side ("knex", "mysql2 pool"). */
export function overheadTable<W extends string>(
  result: { readonly config: OverheadConfig<W>; readonly summary: OverheadSummary<W> },
  titles: Readonly<Record<W, string>>,
  library: string,
): TableSpec {
  const rows = result.summary.rows.map((row) => [
    titles[row.workload] ?? row.workload,
    row.concurrency === 1 ? 'sequential' : `×${row.concurrency}`,
    `${Math.round(row.bareOpsPerSecond)} / ${Math.round(row.goneawayOpsPerSecond)}`,
    verdictCell(row.throughputRatio.median.toFixed(3), row.throughputMet),
    `${row.bareP50Ms.toFixed(2)} / ${row.goneawayP50Ms.toFixed(2)} (${row.p50Ratio.median.toFixed(3)})`,
    verdictCell(
      `${row.bareP99Ms.toFixed(2)} / ${row.goneawayP99Ms.toFixed(2)} (${row.p99Ratio.median.toFixed(3)})`,
      row.p99Met,
    ),
    `${Math.round(row.bareCpuUsPerOp)} / ${Math.round(row.goneawayCpuUsPerOp)}`,
    {
      text: `${row.noiseThroughputRatio.median.toFixed(3)} (${row.noiseThroughputRatio.p25.toFixed(2)}–${row.noiseThroughputRatio.p75.toFixed(2)}) / ${row.noiseP99Ratio.median.toFixed(3)}`,
      tone: 'dim' as const,
    },
    {
      text: String(round(row.validationPingsPer1000, 2)),
      tone: row.validationPingsPer1000 === 0 ? ('good' as const) : ('bad' as const),
    },
  ]);
  const config = result.config;
  return {
    head: [
      'workload',
      'callers',
      'ops/s bare / goneaway',
      `throughput ratio (≥ ${THROUGHPUT_TARGET})`,
      'p50 ms bare / goneaway (ratio)',
      `p99 ms bare / goneaway (ratio ≤ ${P99_TARGET})`,
      'client CPU µs/op bare / goneaway',
      'noise floor: bare/bare throughput (IQR) / p99',
      'pings per 1k',
    ],
    rows,
    notes: [
      `Ratios are the median over ${config.rounds} interleaved rounds (each side ${config.segmentMs} ms per round, all permutations of the order) of goneaway / bare; ops/s and latencies are medians of the rounds too.`,
      `Noise floor: a second bare ${library} instance measured the same way (bare/bare), with the interquartile range of its per-round ratios; a goneaway ratio inside that range is indistinguishable from noise on this machine.`,
      "Client CPU: this process's user + system time per operation (process.cpuUsage), the cost of the library itself; it does not depend on how long the server or the machine made a query wait.",
    ],
  };
}
