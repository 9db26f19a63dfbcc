import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './command.js';
import type { ConformanceSuite, SuiteContext } from './conformance-suite.js';

export type RunMode = 'bare' | 'wrapped';

export interface ReportedError {
  readonly name?: string;
  readonly code?: string | number;
  readonly message: string;
  /** An assertion's actual and expected values (chai shortens them in its message). */
  readonly actual?: string;
  readonly expected?: string;
  readonly stack: readonly string[];
}

/** One line of the NDJSON reporter (preload/mocha-ndjson-reporter.cjs). */
export interface ReportedResult {
  readonly kind: 'test' | 'hook';
  readonly status: 'passed' | 'failed' | 'pending';
  readonly title: string;
  readonly titlePath: readonly string[];
  readonly suitePath: readonly string[];
  readonly file: string | undefined;
  readonly durationMs: number | undefined;
  readonly error: ReportedError | undefined;
}

export interface MochaRun {
  readonly mode: RunMode;
  readonly specFiles: readonly string[];
  readonly durationMs: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** mocha reached its end event (false: it crashed, hung or was killed; the results stop there). */
  readonly finished: boolean;
  readonly tests: readonly ReportedResult[];
  readonly hookFailures: readonly ReportedResult[];
  readonly logFile: string;
}

const PRELOAD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'preload');
export const REPORTER = join(PRELOAD_DIR, 'mocha-ndjson-reporter.cjs');

function quoteOption(path: string): string {
  return `"${path.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * NODE_OPTIONS for a run: goneaway's preload in the wrapped run (and in the bare one for suites that
 * need it to retarget their connections). NODE_OPTIONS reaches every node process the suite starts
 * (mocha, and any child it forks), not only the first.
 */
function nodeOptions(suite: ConformanceSuite, mode: RunMode): string {
  if (mode === 'bare' && !suite.preloadInBareRun) return '';
  return `--require ${quoteOption(join(PRELOAD_DIR, suite.preload))}`;
}

/** Runs the host's mocha once (bare or wrapped) on `specFiles` and reads what the reporter wrote. */
export async function runMocha(
  suite: ConformanceSuite,
  context: SuiteContext,
  mode: RunMode,
  specFiles: readonly string[],
  label: string,
  signal?: AbortSignal,
): Promise<MochaRun> {
  const resultsFile = join(context.workDir, `${label}.ndjson`);
  const logFile = join(context.workDir, `${label}.log`);
  const suiteEnv = await suite.env(context);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...suiteEnv,
    // tsx (which runs this script) must not leak its loader into the host's processes.
    NODE_OPTIONS: nodeOptions(suite, mode),
    GONEAWAY_CONFORMANCE_HOST: context.checkoutDir,
    GONEAWAY_CONFORMANCE_MODE: mode,
    GONEAWAY_CONFORMANCE_RESULTS: resultsFile,
    GONEAWAY_CONFORMANCE_SERVER: `${context.server.host}:${context.server.port}`,
    FORCE_COLOR: '0',
    CI: 'true',
  };
  const mocha = join(context.checkoutDir, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const result = await runCommand(
    process.execPath,
    [mocha, ...suite.mochaArgs(context), '--reporter', REPORTER, ...specFiles],
    { cwd: context.checkoutDir, env, logFile, timeoutMs: suite.runTimeoutMs, signal },
  );
  const lines = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8').split('\n') : [];
  const tests: ReportedResult[] = [];
  const hookFailures: ReportedResult[] = [];
  let finished = false;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { event: string } & ReportedResult;
    if (entry.event === 'end') finished = true;
    if (entry.event !== 'result') continue;
    const { event: _event, ...rest } = entry;
    const reported = {
      ...rest,
      file: rest.file === undefined ? undefined : relativeTo(context.checkoutDir, rest.file),
    };
    if (reported.kind === 'hook') hookFailures.push(reported);
    else tests.push(reported);
  }
  return {
    mode,
    specFiles,
    durationMs: result.durationMs,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    finished,
    tests,
    hookFailures,
    logFile,
  };
}

function relativeTo(dir: string, file: string): string {
  return file.startsWith(`${dir}/`) ? file.slice(dir.length + 1) : file;
}
