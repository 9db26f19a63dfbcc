import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConformanceUsageError, parseConformanceArgs, USAGE } from './src/cli-options.js';
import { ConformanceError, killRunningCommands } from './src/command.js';
import type { ConformanceSuite, SuiteName } from './src/conformance-suite.js';
import { prepareCheckout } from './src/prepare-checkout.js';
import { describeState } from './src/render-markdown.js';
import { runSuite, workDirFor } from './src/run-suite.js';
import { knexSuite } from './src/suites/knex-suite.js';
import { kyselySuite } from './src/suites/kysely-suite.js';
import { typeormSuite } from './src/suites/typeorm-suite.js';
import { sourceState, writeResults } from './src/write-results.js';

const conformanceDir = dirname(fileURLToPath(import.meta.url));
const rootDir = join(conformanceDir, '..');

const SUITES: Readonly<Record<SuiteName, ConformanceSuite | undefined>> = {
  knex: knexSuite,
  kysely: kyselySuite,
  typeorm: typeormSuite,
};

function log(line: string): void {
  process.stdout.write(`▸ ${line}\n`);
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseConformanceArgs>;
  try {
    options = parseConformanceArgs(process.argv.slice(2), join(conformanceDir, 'results'));
  } catch (error) {
    if (error instanceof ConformanceUsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killRunningCommands();
      process.kill(process.pid, signal);
    });
  }
  const missingDist = ['knex-plugin', 'mysql2', 'typeorm'].filter(
    (name) => !existsSync(join(rootDir, 'packages', name, 'dist', 'index.cjs')),
  );
  if (missingDist.length > 0) {
    throw new ConformanceError(
      `packages/{${missingDist.join(',')}}/dist is missing: build first (npm run build), or run through npm run conformance`,
    );
  }
  const source = sourceState();
  let regressions = 0;
  for (const name of options.suites) {
    const suite = SUITES[name];
    if (suite === undefined) throw new ConformanceError(`the ${name} suite is not available yet`);
    if (options.subset !== undefined && suite.subsets?.[options.subset] === undefined) {
      const known =
        suite.subsets === undefined
          ? 'it has none'
          : `expected one of ${Object.keys(suite.subsets).join(', ')}`;
      throw new ConformanceError(`--subset ${options.subset}: not a subset of the ${name} suite (${known})`);
    }
    const checkout = await prepareCheckout(suite, {
      repo: options.repo ?? suite.defaultRepo,
      ref: options.ref ?? suite.defaultRef,
      cacheRoot: options.cacheDir,
      log,
    });
    const result = await runSuite(suite, checkout, {
      workDir: workDirFor(options.cacheDir, suite),
      subset: options.subset,
      rerun: options.rerun,
      log,
    });
    const { json, markdown } = await writeResults(options.outDir, result, source);
    const c = result.comparison;
    regressions += c.regressions.length;
    process.stdout.write(
      `\n${name}: ${c.totalTests} tests · bare passed ${c.barePassed} · wrapped passed ${c.wrappedPassed} · ` +
        `regressions ${c.regressions.length} · intended differences ${c.intended.length} · flaky ${c.flaky.length} · ` +
        `failed both ${c.bothFailed.length} (${(result.durationMs / 1000).toFixed(0)} s)\n`,
    );
    for (const regression of c.regressions) {
      process.stdout.write(`  ✗ ${regression.title}\n      ${describeState(regression.wrapped)}\n`);
    }
    for (const intended of c.intended) {
      process.stdout.write(`  ≈ ${intended.title} (intended)\n`);
    }
    for (const flaky of c.flaky) {
      process.stdout.write(`  ~ ${flaky.title} (flaky: ${describeState(flaky.wrappedRerun)})\n`);
    }
    process.stdout.write(`  → ${relative(process.cwd(), json)}, ${relative(process.cwd(), markdown)}\n\n`);
  }
  return regressions > 0 && options.strict ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    killRunningCommands();
    process.stderr.write(`\n✖ ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof ConformanceError) && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    process.exit(1);
  },
);
