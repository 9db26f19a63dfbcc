import { writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canControlServers, noControlReason } from '@goneaway/test-harness';
import pc from 'picocolors';
import { BENCHMARKS } from './benchmarks/index.js';
import { BenchUsageError, parseBenchArgs, USAGE } from './cli-options.js';
import { ProgressLine } from './progress.js';
import { renderMarkdown } from './render-markdown.js';
import { renderResult } from './render-table.js';
import { readResults, runBenchmark } from './run-benchmark.js';
import { sourceState } from './source-state.js';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  let options: ReturnType<typeof parseBenchArgs>;
  try {
    options = parseBenchArgs(process.argv.slice(2), join(benchDir, 'results'));
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const preset = options.quick ? 'quick' : 'full';
  const selected = BENCHMARKS.filter((benchmark) => options.only.includes(benchmark.name));
  const started = performance.now();
  // The packages were built just before this process started: that is the code measured.
  const source = sourceState();
  const progress = new ProgressLine();
  process.stdout.write(
    pc.bold(
      `goneaway benchmarks (${preset}): bare knex / mysql2 pool / TypeORM / Prisma / Sequelize vs the same with goneaway, in the same run\n\n`,
    ),
  );
  for (const benchmark of selected) {
    if (benchmark.needsControl && !canControlServers) {
      process.stdout.write(pc.yellow(`${benchmark.title}: skipped (${noControlReason})\n\n`));
      continue;
    }
    const unavailable = benchmark.unavailableReason?.();
    if (unavailable !== undefined) {
      process.stdout.write(pc.yellow(`${benchmark.title}: skipped (${unavailable})\n\n`));
      continue;
    }
    progress.begin(benchmark.name);
    const config = options.quick ? benchmark.presets.quick : benchmark.presets.full;
    const { result, file } = await runBenchmark(benchmark, config, {
      outDir: options.outDir,
      preset,
      source,
      context: { progress: (text) => progress.update(text) },
    });
    progress.clear();
    process.stdout.write(
      `${renderResult(benchmark, result)}\n${pc.dim(`  → ${relative(process.cwd(), file)}`)}\n\n`,
    );
  }
  if (options.markdown !== undefined) {
    const results = await readResults(options.outDir, BENCHMARKS);
    await writeFile(options.markdown, renderMarkdown(results));
    process.stdout.write(pc.dim(`markdown tables → ${relative(process.cwd(), options.markdown)}\n`));
  }
  process.stdout.write(pc.dim(`benchmarks took ${((performance.now() - started) / 1000).toFixed(1)} s\n`));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `\nbenchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
