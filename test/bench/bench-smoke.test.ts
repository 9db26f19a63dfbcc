import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canControlServers } from '@goneaway/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Benchmark, BenchResult } from '../../bench/src/benchmark.js';
import { type HalfOpenConfig, halfOpen } from '../../bench/src/benchmarks/half-open.js';
import { type IdleRaceConfig, idleRace } from '../../bench/src/benchmarks/idle-race.js';
import { BENCHMARKS } from '../../bench/src/benchmarks/index.js';
import { type OverheadConfig, overhead } from '../../bench/src/benchmarks/overhead.js';
import { overheadMysql2 } from '../../bench/src/benchmarks/overhead-mysql2.js';
import { overheadPrisma } from '../../bench/src/benchmarks/overhead-prisma.js';
import { overheadSequelize } from '../../bench/src/benchmarks/overhead-sequelize.js';
import { overheadTypeorm } from '../../bench/src/benchmarks/overhead-typeorm.js';
import { type PacketGuardConfig, packetGuard } from '../../bench/src/benchmarks/packet-guard.js';
import { type RestartConfig, restart } from '../../bench/src/benchmarks/restart.js';
import { type ScaleConfig, scale } from '../../bench/src/benchmarks/scale.js';
import { BenchUsageError, parseBenchArgs } from '../../bench/src/cli-options.js';
import type {
  OverheadConfig as AdapterOverheadConfig,
  OverheadSummary,
  SegmentSample,
} from '../../bench/src/overhead-rounds.js';
import { renderMarkdown } from '../../bench/src/render-markdown.js';
import { renderResult } from '../../bench/src/render-table.js';
import { readResults, runBenchmark } from '../../bench/src/run-benchmark.js';

// Each benchmark in a tiny configuration: it must run end to end against a private MariaDB and write
// JSON of the documented shape. No timing is asserted: these are benchmarks, and the machine is shared.

let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'goneaway-bench-smoke-'));
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

async function runTiny<C, S, T>(benchmark: Benchmark<C, S, T>, config: C): Promise<BenchResult<C, S, T>> {
  const progress: string[] = [];
  const { result, file } = await runBenchmark(benchmark, config, {
    outDir,
    preset: 'smoke',
    context: { progress: (text) => progress.push(text) },
  });
  expect(file).toBe(join(outDir, `${benchmark.name}.json`));
  expect(progress.length).toBeGreaterThan(0);
  const written = JSON.parse(await readFile(file, 'utf8')) as BenchResult<C, S, T>;
  // The file is the result, with nothing lost to JSON (no undefined, no functions).
  expect(written).toEqual(JSON.parse(JSON.stringify(result)));
  expectEnvelope(written, benchmark.name, config);
  // Both renderers accept it: the terminal table and the README's markdown.
  const table = benchmark.table(written);
  expect(table.rows.length).toBeGreaterThan(0);
  for (const row of table.rows) expect(row).toHaveLength(table.head.length);
  expect(renderResult(benchmark as never, written as BenchResult)).toContain(benchmark.title);
  return written;
}

/**
 * An adapter's overhead benchmark in a tiny configuration (2 callers, 2 rounds, 3 connections): one
 * row per workload in order, both sides measured, no error and no retry, three runners per round.
 */
async function runTinyAdapterOverhead<W extends string>(
  benchmark: Benchmark<AdapterOverheadConfig<W>, OverheadSummary<W>, SegmentSample<W>[]>,
  workloads: readonly W[],
): Promise<BenchResult<AdapterOverheadConfig<W>, OverheadSummary<W>, SegmentSample<W>[]>> {
  const config: AdapterOverheadConfig<W> = {
    workloads,
    concurrency: [2],
    rounds: 2,
    segmentMs: 30,
    rampMs: 5,
    warmupMs: 20,
    pool: { min: 0, max: 3 },
  };
  const result = await runTiny(benchmark, config);
  const { rows } = result.summary;
  expect(rows.map((row) => `${row.workload}×${row.concurrency}`)).toEqual(workloads.map((w) => `${w}×2`));
  for (const row of rows) {
    expect(row.bareOpsPerSecond).toBeGreaterThan(0);
    expect(row.goneawayOpsPerSecond).toBeGreaterThan(0);
    expect(row.goneawayCpuUsPerOp).toBeGreaterThan(0);
    expect(row.errors).toBe(0);
    expect(row.retries).toBe(0);
  }
  expect(result.samples).toHaveLength(rows.length * config.rounds * 3);
  return result;
}

function expectEnvelope(result: BenchResult<unknown, unknown, unknown>, name: string, config: unknown): void {
  expect(result.schema).toBe(1);
  expect(result.benchmark).toBe(name);
  expect(typeof result.title).toBe('string');
  expect(Number.isNaN(Date.parse(result.date))).toBe(false);
  expect(result.preset).toBe('smoke');
  expect(result.durationMs).toBeGreaterThan(0);
  expect(result.config).toEqual(config);
  const { machine } = result;
  expect(machine.cores).toBeGreaterThan(0);
  expect(machine.cpuModel.length).toBeGreaterThan(0);
  expect(machine.memoryBytes).toBeGreaterThan(0);
  expect(machine.node).toBe(process.version);
  expect(machine.mariadb).toMatch(/^\d+\.\d+\.\d+/);
  expect(machine.loadAverage).toHaveLength(3);
  expect(machine.versions.knex).toMatch(/^\d+\.\d+/);
  expect(machine.versions.mysql2).toMatch(/^\d+\.\d+/);
  expect(result.source.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(Array.isArray(result.source.uncommitted)).toBe(true);
  expect(result.checks.length).toBeGreaterThan(0);
  for (const check of result.checks) {
    expect(check).toEqual({
      label: expect.any(String),
      target: expect.any(String),
      measured: expect.any(String),
      met: expect.toSatisfy((met: unknown) => met === null || typeof met === 'boolean'),
    });
  }
  expect(Array.isArray(result.samples)).toBe(true);
  expect((result.samples as unknown[]).length).toBeGreaterThan(0);
}

const isCount = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;

describe('bench smoke: each benchmark in a tiny configuration writes valid JSON', () => {
  it('overhead: one row per workload × concurrency, three runners per round', async () => {
    const config: OverheadConfig = {
      workloads: ['select-1', 'transaction'],
      concurrency: [1, 3],
      rounds: 2,
      segmentMs: 30,
      rampMs: 5,
      warmupMs: 20,
      pool: { min: 1, max: 3 },
    };
    const result = await runTiny(overhead, config);
    const { rows } = result.summary;
    expect(rows.map((row) => `${row.workload}×${row.concurrency}`)).toEqual([
      'select-1×1',
      'select-1×3',
      'transaction×1',
      'transaction×3',
    ]);
    for (const row of rows) {
      expect(row.bareOpsPerSecond).toBeGreaterThan(0);
      expect(row.goneawayOpsPerSecond).toBeGreaterThan(0);
      expect(row.throughputRatio.median).toBeGreaterThan(0);
      expect(row.p99Ratio.median).toBeGreaterThan(0);
      expect(row.noiseThroughputRatio.median).toBeGreaterThan(0);
      expect(row.goneawayCpuUsPerOp).toBeGreaterThan(0);
      expect(row.errors).toBe(0);
      expect(row.validationPingsPer1000).toBeGreaterThanOrEqual(0);
    }
    expect(result.samples).toHaveLength(rows.length * config.rounds * 3);
    expect(new Set(result.samples.map((sample) => sample.runner))).toEqual(
      new Set(['bare', 'bare-2', 'goneaway']),
    );
    for (const sample of result.samples) {
      expect(sample.ops).toBeGreaterThan(0);
      expect(sample.p50Ms).toBeLessThanOrEqual(sample.p99Ms);
    }
  });

  it('overhead-mysql2: a bare mysql2 pool, a second one and a wrapMysql2 pool, each workload', async () => {
    const result = await runTinyAdapterOverhead(overheadMysql2, [
      'select-1',
      'execute',
      'held',
      'transaction',
    ]);
    expect(result.machine.versions['@goneaway/mysql2']).toMatch(/^\d+\.\d+/);
  });

  it('overhead-typeorm: two bare TypeORM DataSources and one through goneAwayTypeorm, each workload', async () => {
    const result = await runTinyAdapterOverhead(overheadTypeorm, [
      'select-1',
      'find-20',
      'insert',
      'transaction',
    ]);
    expect(result.machine.versions.typeorm).toMatch(/^1\./);
    expect(result.machine.versions['@goneaway/typeorm']).toMatch(/^\d+\.\d+/);
  });

  it('overhead-prisma: two Prisma clients on the bare adapter and one on withGoneaway, each workload', async () => {
    const result = await runTinyAdapterOverhead(overheadPrisma, [
      'select-1',
      'find-20',
      'create',
      'transaction',
    ]);
    expect(result.machine.versions['@prisma/client']).toMatch(/^7\./);
    expect(result.machine.versions['@goneaway/prisma']).toMatch(/^\d+\.\d+/);
  });

  it('overhead-sequelize: two bare Sequelize instances and one through goneAwaySequelize, each workload', async () => {
    const result = await runTinyAdapterOverhead(overheadSequelize, [
      'select-1',
      'find-20',
      'create',
      'transaction',
    ]);
    expect(result.machine.versions.sequelize).toMatch(/^6\./);
    expect(result.machine.versions['@goneaway/sequelize']).toMatch(/^\d+\.\d+/);
  });

  it.skipIf(!canControlServers)('restart: a bare and a goneaway run per cell, with a timeline', async () => {
    const config: RestartConfig = {
      workers: [3],
      downMs: [200],
      beforeMs: 100,
      afterMs: 200,
      pool: { min: 1, max: 3 },
    };
    const result = await runTiny(restart, config);
    expect(result.summary.rows).toHaveLength(1);
    const [row] = result.summary.rows;
    expect(result.samples.map((run) => run.side).sort()).toEqual(['bare', 'goneaway']);
    for (const run of [row!.bare, row!.goneaway]) {
      expect(run.workers).toBe(3);
      expect(isCount(run.errors)).toBe(true);
      expect(isCount(run.connectsDuringOutage)).toBe(true);
      expect(run.outageMs).toBeGreaterThan(0);
      expect(run.okQueries).toBeGreaterThan(0);
      expect(run.timeline.length).toBeGreaterThan(0);
    }
    expect(row!.connectBound).toBeGreaterThan(0);
  });

  it.skipIf(!canControlServers)('idle-race: boundary and idle tries for both sides', async () => {
    const config: IdleRaceConfig = {
      waitTimeoutSeconds: 1,
      boundaryTries: 2,
      earlyMs: 20,
      lateMs: 20,
      idleTries: 1,
      idlePastMs: 300,
      batches: 1,
    };
    const result = await runTiny(idleRace, config);
    expect(result.summary.boundary.bare.tries).toBe(2);
    expect(result.summary.boundary.goneaway.tries).toBe(2);
    expect(result.summary.idle.goneaway.tries).toBe(1);
    expect(result.samples).toHaveLength(6);
    expect(result.samples.filter((item) => item.kind === 'boundary').map((item) => item.offsetMs)).toEqual([
      -20, 20, -20, 20,
    ]);
  });

  it('half-open: bare capped, goneaway and mariadb tries timed, stall tries counted', async () => {
    const config: HalfOpenConfig = {
      idleMs: 600,
      openConnections: 1,
      goneawayTries: 1,
      bareCapMs: 1500,
      stallTries: 1,
      stallMs: 300,
    };
    const result = await runTiny(halfOpen, config);
    expect(result.samples.map((item) => `${item.side} ${item.kind}`)).toEqual([
      'bare half-open',
      'goneaway half-open',
      'mariadb half-open',
      'goneaway stall',
      'mariadb stall',
    ]);
    expect(result.summary.goneaway.tries).toBe(1);
    expect(result.summary.mariadb.tries).toBe(1);
    expect(isCount(result.summary.stall.goneawayFalseEvictions)).toBe(true);
    expect(isCount(result.summary.stall.mariadbFalseEvictions)).toBe(true);
    expect(typeof result.summary.bare.hung).toBe('boolean');
  });

  it.skipIf(!canControlServers)('packet-guard: bytes, time and memory per side for each size', async () => {
    const config: PacketGuardConfig = { maxAllowedPacket: '1M', blobMiB: [2], repeats: 1 };
    const result = await runTiny(packetGuard, config);
    expect(result.summary.maxAllowedPacketBytes).toBe(1024 * 1024);
    expect(result.summary.rows).toHaveLength(1);
    expect(result.samples.map((item) => item.side).sort()).toEqual(['bare', 'goneaway']);
    for (const sample of result.samples) {
      expect(sample.blobBytes).toBe(2 * 1024 * 1024);
      expect(isCount(sample.bytesToServer)).toBe(true);
      expect(isCount(sample.extraMemoryBytes)).toBe(true);
      expect(sample.rejected).toBe(true);
    }
  });

  it.skipIf(!canControlServers)('scale: memory before, peak and after for both sides', async () => {
    const config: ScaleConfig = {
      waiters: 40,
      pool: { min: 1, max: 8 },
      downMs: 200,
      beforeMs: 100,
      afterMs: 300,
      repeats: 1,
    };
    const result = await runTiny(scale, config);
    for (const run of [result.summary.bare, result.summary.goneaway]) {
      expect(run.workers).toBe(40);
      expect(run.memory?.heapBeforeBytes).toBeGreaterThan(0);
      expect(run.memory?.peakBytes).toBeGreaterThanOrEqual(run.memory?.heapBeforeBytes ?? 0);
      expect(run.memory?.heapAfterBytes).toBeGreaterThan(0);
    }
  });

  it('the README markdown has a section and a target table per result written', async () => {
    const loaded = await readResults(outDir, BENCHMARKS);
    expect(loaded.length).toBeGreaterThan(0);
    const markdown = renderMarkdown(loaded);
    for (const { result } of loaded) expect(markdown).toContain(`## ${result.title}`);
    expect(markdown).toContain('| target | goal | measured |');
    expect(markdown).toMatch(/MariaDB \d+\.\d+/);
  });
});

describe('bench command line', () => {
  it('parses --quick, --only (comma-separated or repeated), --out and --markdown', () => {
    const options = parseBenchArgs(
      [
        '--quick',
        '--only',
        'overhead,scale',
        '--only',
        'restart',
        '--out',
        '/tmp/x',
        '--markdown',
        '/tmp/x.md',
      ],
      '/default',
    );
    expect(options).toMatchObject({
      quick: true,
      only: ['overhead', 'scale', 'restart'],
      outDir: '/tmp/x',
      markdown: '/tmp/x.md',
    });
    expect(parseBenchArgs([], '/default')).toMatchObject({
      quick: false,
      outDir: '/default',
      markdown: undefined,
    });
    expect(parseBenchArgs([], '/default').only).toEqual(
      BENCHMARKS.filter((benchmark) => !benchmark.optIn).map((benchmark) => benchmark.name),
    );
    expect(parseBenchArgs(['--only', 'cluster'], '/default').only).toEqual(['cluster']);
  });

  it('rejects an unknown benchmark or flag with a usage error', () => {
    expect(() => parseBenchArgs(['--only', 'nope'], '/d')).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(['--fast'], '/d')).toThrow(BenchUsageError);
  });
});
