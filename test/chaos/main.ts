// `npm run chaos [-- --seed N --duration 120 --workers 8 --verbose]`: the long chaos write-safety run.
// Prints the seed first, so any run can be replayed with --seed; exits 1 if anything was lost,
// duplicated or surfaced untyped.
import { parseArgs } from 'node:util';
import { chaosViolations, formatChaosReport } from './format-chaos-report.js';
import { runChaos } from './run-chaos.js';
import { chooseSeed } from './seeded-random.js';

const USAGE = 'usage: npm run chaos -- [--seed <uint32>] [--duration <seconds>] [--workers <n>] [--verbose]';

function parseCli() {
  try {
    const { values } = parseArgs({
      options: {
        seed: { type: 'string' },
        duration: { type: 'string', default: '120' },
        workers: { type: 'string', default: '8' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const seconds = Number(values.duration.replace(/s$/, ''));
    const workers = Number(values.workers);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new Error(`--duration: seconds > 0, got ${values.duration}`);
    if (!Number.isInteger(workers) || workers < 1)
      throw new Error(`--workers: a positive integer, got ${values.workers}`);
    return {
      seed: chooseSeed(values.seed ?? process.env.GONEAWAY_CHAOS_SEED),
      durationMs: Math.round(seconds * 1000),
      workers,
      verbose: values.verbose,
    };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
}

const cli = parseCli();
process.stdout.write(
  `chaos: seed ${cli.seed}, ${cli.durationMs / 1000} s, ${cli.workers} workers (replay: npm run chaos -- --seed ${cli.seed})\n`,
);
const report = await runChaos({
  seed: cli.seed,
  durationMs: cli.durationMs,
  workers: cli.workers,
  log: cli.verbose ? (line) => process.stdout.write(`${line}\n`) : undefined,
});
process.stdout.write(`${formatChaosReport(report)}\n`);
const violations = chaosViolations(report);
if (violations.length > 0) {
  process.stderr.write(`\nFAILED (seed ${report.seed}): ${violations.join('; ')}\n`);
  process.exit(1);
}
process.stdout.write(`\nOK: 0 lost, 0 duplicates, balance holds (seed ${report.seed})\n`);
