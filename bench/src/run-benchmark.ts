import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyBenchmark, BenchContext, Benchmark, BenchResult } from './benchmark.js';
import { machineInfo } from './machine-info.js';
import { type SourceState, sourceState } from './source-state.js';

export interface RunBenchmarkOptions {
  /** Where `<name>.json` is written. */
  readonly outDir: string;
  /** 'full', 'quick' or a test's own name: stored in the JSON. */
  readonly preset: string;
  readonly context?: BenchContext;
  /** The code measured; read once per run by the caller (HEAD may move while a long run goes on). */
  readonly source?: SourceState;
}

const SILENT: BenchContext = { progress: () => undefined };

/** Runs one benchmark, wraps its outcome (date, machine, config) and writes `<outDir>/<name>.json`. */
export async function runBenchmark<TConfig, TSummary, TSamples>(
  benchmark: Benchmark<TConfig, TSummary, TSamples>,
  config: TConfig,
  options: RunBenchmarkOptions,
): Promise<{ result: BenchResult<TConfig, TSummary, TSamples>; file: string }> {
  const date = new Date().toISOString();
  // Read before the run: the load average says how busy the machine was when it started.
  const started = performance.now();
  const machineBefore = machineInfo('');
  const source = options.source ?? sourceState();
  const outcome = await benchmark.run(config, options.context ?? SILENT);
  const result: BenchResult<TConfig, TSummary, TSamples> = {
    schema: 1,
    benchmark: benchmark.name,
    title: benchmark.title,
    date,
    durationMs: Math.round(performance.now() - started),
    preset: options.preset,
    machine: { ...machineBefore, mariadb: outcome.mariadbVersion },
    source,
    config,
    checks: outcome.checks,
    summary: outcome.summary,
    samples: outcome.samples,
  };
  await mkdir(options.outDir, { recursive: true });
  const file = join(options.outDir, `${benchmark.name}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return { result, file };
}

/** Every `<name>.json` in `dir` that belongs to a known benchmark, in the benchmarks' order. */
export async function readResults(
  dir: string,
  benchmarks: readonly AnyBenchmark[],
): Promise<Array<{ benchmark: AnyBenchmark; result: BenchResult }>> {
  const files = new Set(await readdir(dir).catch(() => [] as string[]));
  const found: Array<{ benchmark: AnyBenchmark; result: BenchResult }> = [];
  for (const benchmark of benchmarks) {
    const name = `${benchmark.name}.json`;
    if (!files.has(name)) continue;
    const result = JSON.parse(await readFile(join(dir, name), 'utf8')) as BenchResult;
    found.push({ benchmark, result });
  }
  return found;
}
