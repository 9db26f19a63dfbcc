// Regenerates bench/results/performance.md (the benchmark tables the root README links to) from
// bench/results/*.json, without running anything:
// `node_modules/.bin/tsx bench/src/readme-table.ts [--out dir] [--markdown file]`; the page goes to
// <out dir>/performance.md unless --markdown names another file (`--markdown /dev/stdout` prints it).
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCHMARKS } from './benchmarks/index.js';
import { BenchUsageError, parseBenchArgs, USAGE } from './cli-options.js';
import { renderMarkdown } from './render-markdown.js';
import { readResults } from './run-benchmark.js';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');

try {
  const options = parseBenchArgs(process.argv.slice(2), join(benchDir, 'results'));
  const markdown = renderMarkdown(await readResults(options.outDir, BENCHMARKS));
  await writeFile(options.markdown ?? join(options.outDir, 'performance.md'), markdown);
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  process.stderr.write(`${error.message}\n\n${USAGE}`);
  process.exitCode = 2;
}
