import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startMariaDB } from '@goneaway/test-harness';
import { INTENDED_DIFFERENCES } from '../intended-differences.js';
import { ConformanceError } from './command.js';
import {
  type ClassifiedDifference,
  type Comparison,
  classify,
  compareRuns,
  type Difference,
  findDifferences,
  stateIn,
} from './compare-runs.js';
import type { ConformanceSuite, SuiteContext } from './conformance-suite.js';
import type { Checkout } from './prepare-checkout.js';
import { type MochaRun, type RunMode, runMocha } from './run-mocha.js';

export interface RunSummary {
  readonly mode: RunMode;
  readonly label: string;
  readonly specFiles: number;
  readonly tests: number;
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly hookFailures: number;
  readonly durationMs: number;
  readonly finished: boolean;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly logFile: string;
  /** Times the private server died during this run (each time the run was started again on a restarted server). */
  readonly serverCrashes: number;
}

export interface SuiteResult {
  readonly suite: string;
  readonly title: string;
  readonly subset: string | undefined;
  readonly checkout: Checkout;
  readonly serverVersion: string;
  readonly runs: readonly RunSummary[];
  readonly comparison: Comparison;
  readonly durationMs: number;
}

/** How often the server is checked during a run, and how many crashes a run may see before the suite gives up. */
const SERVER_WATCH_MS = 1_000;
const MAX_SERVER_CRASHES = 3;

/**
 * True while the server's process exists (signal 0 only checks). The harness forgets the pid as
 * soon as mariadbd exits on its own (its state turns to stopped), so no pid means dead.
 */
function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function summarize(run: MochaRun, label: string, serverCrashes: number): RunSummary {
  return {
    mode: run.mode,
    label,
    specFiles: run.specFiles.length,
    tests: run.tests.length,
    passed: run.tests.filter((test) => test.status === 'passed').length,
    failed: run.tests.filter((test) => test.status === 'failed').length,
    pending: run.tests.filter((test) => test.status === 'pending').length,
    hookFailures: run.hookFailures.length,
    durationMs: run.durationMs,
    finished: run.finished,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    logFile: run.logFile,
    serverCrashes,
  };
}

/** The spec files to run a second time: the setup files, then each file holding a difference, in the first run's order. */
function rerunFiles(
  suite: ConformanceSuite,
  specFiles: readonly string[],
  differences: readonly Difference[],
) {
  const wanted = new Set(differences.map((difference) => difference.file));
  const files = specFiles.filter((file) => suite.setupFiles.includes(file) || wanted.has(file));
  // A difference reported without a file (a root-level hook) reruns everything.
  return differences.some((difference) => difference.file === undefined) ? specFiles : files;
}

function withRerun(difference: Difference, bareRerun: MochaRun, wrappedRerun: MochaRun): Difference {
  return {
    ...difference,
    bareRerun: stateIn(bareRerun, difference.key, difference.titlePath),
    wrappedRerun: stateIn(wrappedRerun, difference.key, difference.titlePath),
  };
}

/**
 * The host's suite twice on one private MariaDB, bare then wrapped, each from freshly recreated
 * databases; then the files holding a difference once more each way, so that a difference seen
 * once (a flake) is not called a regression.
 */
export async function runSuite(
  suite: ConformanceSuite,
  checkout: Checkout,
  options: { workDir: string; subset: string | undefined; rerun: boolean; log: (line: string) => void },
): Promise<SuiteResult> {
  const started = performance.now();
  mkdirSync(options.workDir, { recursive: true });
  // MariaDB's defaults otherwise (character_set_server utf8mb4, closer to the hosts' MySQL 8 CI, was
  // tried: mariadbd 10.11.19 crashed with signal 11 during kysely's wrapped run).
  await using server = await startMariaDB({ serverOptions: { max_connections: 500 } });
  const serverVersion = await server.version();
  options.log(`${suite.name}: private MariaDB ${serverVersion} on ${server.host}:${server.port}`);
  await suite.createDatabaseObjects(server);
  const context: SuiteContext = {
    checkoutDir: checkout.dir,
    workDir: options.workDir,
    server,
    subset: options.subset,
  };
  const specFiles = await suite.specFiles(context);
  const runs: RunSummary[] = [];
  /**
   * One mocha run while watching the server: mariadbd 10.11 has crashed with signal 11 under these
   * suites (kysely's, bare and wrapped alike), after which a host suite may wait for its database
   * forever (kysely's "Waiting for the database to become available"). The run is then ended, the
   * server started again on its datadir, and the run made again from freshly reset databases.
   */
  const watchedRun = async (mode: RunMode, files: readonly string[], label: string) => {
    for (let crashes = 0; ; crashes++) {
      await suite.resetDatabases(server);
      const serverDied = new AbortController();
      const watch = setInterval(() => {
        if (!isAlive(server.pid)) serverDied.abort();
      }, SERVER_WATCH_MS);
      let run: MochaRun;
      try {
        run = await runMocha(suite, context, mode, files, label, serverDied.signal);
      } finally {
        clearInterval(watch);
      }
      if (!serverDied.signal.aborted && isAlive(server.pid)) return { run, crashes };
      options.log(
        `${suite.name}: ${label}: the private MariaDB died during the run (see ${server.logFile ?? 'its log'})` +
          `${crashes + 1 < MAX_SERVER_CRASHES ? '; starting it again and running again' : ''}`,
      );
      if (crashes + 1 >= MAX_SERVER_CRASHES) {
        throw new ConformanceError(
          `${suite.name}: the private MariaDB died ${MAX_SERVER_CRASHES} times during the ${label} run (log: ${server.logFile ?? 'unknown'})`,
        );
      }
      await server.start();
      await suite.createDatabaseObjects(server);
    }
  };
  const pass = async (mode: RunMode, files: readonly string[], label: string) => {
    options.log(`${suite.name}: ${label} (${files.length} spec files)…`);
    const { run, crashes } = await watchedRun(mode, files, label);
    const summary = summarize(run, label, crashes);
    runs.push(summary);
    options.log(
      `${suite.name}: ${label}: ${summary.passed} passed, ${summary.failed} failed, ${summary.pending} pending` +
        `${summary.hookFailures > 0 ? `, ${summary.hookFailures} failed hooks` : ''}` +
        ` in ${(summary.durationMs / 1000).toFixed(0)} s${run.finished ? '' : ` — did not finish (${run.timedOut ? 'timed out' : `exit ${run.exitCode ?? run.signal}`}; log: ${run.logFile})`}`,
    );
    return run;
  };
  const bare = await pass('bare', specFiles, 'bare');
  const wrapped = await pass('wrapped', specFiles, 'wrapped');
  let differences = findDifferences(bare, wrapped);
  if (differences.length > 0 && options.rerun) {
    const files = rerunFiles(suite, specFiles, differences);
    options.log(
      `${suite.name}: ${differences.length} differences: running their ${files.length} files again each way`,
    );
    const bareRerun = await pass('bare', files, 'bare-rerun');
    const wrappedRerun = await pass('wrapped', files, 'wrapped-rerun');
    differences = differences.map((difference) => withRerun(difference, bareRerun, wrappedRerun));
  }
  const classified: ClassifiedDifference[] = classify(suite.name, differences, INTENDED_DIFFERENCES);
  const comparison = compareRuns(bare, wrapped, classified);
  return {
    suite: suite.name,
    title: suite.title,
    subset: options.subset ?? (suite.subsets === undefined ? undefined : Object.keys(suite.subsets)[0]),
    checkout,
    serverVersion,
    runs,
    comparison,
    durationMs: Math.round(performance.now() - started),
  };
}

export function workDirFor(cacheRoot: string, suite: ConformanceSuite): string {
  return join(cacheRoot, 'runs', suite.name);
}
