import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_NAMES, type BenchName, OPT_IN_BENCH_NAMES } from './benchmark.js';

export interface BenchCliOptions {
  readonly quick: boolean;
  readonly only: readonly BenchName[];
  readonly outDir: string;
  /** Write the markdown tables (from every JSON in outDir) to this file: bench/results/performance.md is the published page. */
  readonly markdown: string | undefined;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--only <names>] [--out <dir>] [--markdown <file>]

  --quick            a one-minute pass (fewer rounds, shorter segments)
  --only <names>     comma-separated: ${BENCH_NAMES.join(', ')}
                     (${OPT_IN_BENCH_NAMES.join(', ')} only when named: minutes long, needs Galera)
  --out <dir>        where <name>.json files go (default bench/results)
  --markdown <file>  afterwards, write the markdown tables of every result in --out to <file>

The published tables are bench/results/performance.md, generated, never edited by hand (the root
README only summarises and links to it): run with --markdown bench/results/performance.md, or
regenerate it from the JSON alone with node_modules/.bin/tsx bench/src/readme-table.ts.
`;

export class BenchUsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

export function parseBenchArgs(argv: readonly string[], defaultOutDir: string): BenchCliOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const only = (values.only ?? [])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const name of only) {
    if (!(BENCH_NAMES as readonly string[]).includes(name)) {
      throw new BenchUsageError(
        `--only: unknown benchmark "${name}"; expected one of ${BENCH_NAMES.join(', ')}`,
      );
    }
  }
  return {
    quick: values.quick ?? false,
    only:
      only.length > 0
        ? (only as BenchName[])
        : BENCH_NAMES.filter((name) => !OPT_IN_BENCH_NAMES.includes(name)),
    outDir: resolve(values.out ?? defaultOutDir),
    markdown: values.markdown === undefined ? undefined : resolve(values.markdown),
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      out: { type: 'string' },
      markdown: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    strict: true,
  });
}
