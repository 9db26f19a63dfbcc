import type { SuiteName } from './conformance-suite.js';
import type { IntendedDifference } from './intended-difference.js';
import type { MochaRun, ReportedError, ReportedResult } from './run-mocha.js';

export type Outcome = 'passed' | 'failed' | 'pending' | 'missing';

export interface TestState {
  readonly outcome: Outcome;
  /** The test's own error, or for a missing test the hook failure (or early end) that skipped it. */
  readonly error: ReportedError | undefined;
  readonly cause?: string;
}

export interface Difference {
  /** File, full title and occurrence (keyResults). */
  readonly key: string;
  readonly titlePath: readonly string[];
  readonly title: string;
  readonly file: string | undefined;
  readonly bare: TestState;
  readonly wrapped: TestState;
  /** The second runs of the files holding the difference (undefined: no rerun was made). */
  readonly bareRerun: TestState | undefined;
  readonly wrappedRerun: TestState | undefined;
}

export interface ClassifiedDifference extends Difference {
  readonly verdict: 'regression' | 'intended' | 'flaky';
  /** For an intended difference: why it is intended (from intended-differences.ts). */
  readonly reason?: string;
}

export interface Comparison {
  readonly totalTests: number;
  readonly barePassed: number;
  readonly wrappedPassed: number;
  /** Failed (or did not run) both ways: MariaDB-versus-MySQL differences and the like. */
  readonly bothFailed: readonly FailedTest[];
  readonly pendingBoth: number;
  readonly regressions: readonly ClassifiedDifference[];
  readonly intended: readonly ClassifiedDifference[];
  readonly flaky: readonly ClassifiedDifference[];
  /** Failed bare, passed wrapped (not counted against goneaway; listed for the record). */
  readonly passedOnlyWrapped: readonly FailedTest[];
}

export interface FailedTest {
  readonly title: string;
  readonly file: string | undefined;
  readonly bareError: string | undefined;
}

interface Keyed {
  readonly key: string;
  readonly result: ReportedResult;
}

/**
 * Tests are told apart by file and full title; a title repeated in one file (knex's suite has a few)
 * gets its occurrence number, so the n-th of each is compared with the n-th of the other run.
 */
export function keyResults(results: readonly ReportedResult[]): Keyed[] {
  const seen = new Map<string, number>();
  return results.map((result) => {
    const base = `${result.file ?? ''}\u241f${result.title}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { key: count === 1 ? base : `${base}\u241f${count}`, result };
  });
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, index) => path[index] === part);
}

/** Where a test stands in a run; a test the run never reported is explained by a failed hook or an early end. */
export function stateIn(run: MochaRun, key: string, titlePath: readonly string[]): TestState {
  const found = keyResults(run.tests).find((entry) => entry.key === key);
  if (found !== undefined) return { outcome: found.result.status, error: found.result.error };
  const hook = run.hookFailures.find((failure) => isPrefix(failure.suitePath, titlePath));
  if (hook !== undefined) return { outcome: 'missing', error: hook.error, cause: hook.title };
  const cause = run.timedOut
    ? 'the run was killed at its time limit before this test'
    : !run.finished
      ? `the run ended before this test (exit ${run.exitCode ?? run.signal})`
      : 'not reported by this run';
  return { outcome: 'missing', error: undefined, cause };
}

/** The differences that count: passed bare, did not pass wrapped (failed, skipped or never ran). */
export function findDifferences(bare: MochaRun, wrapped: MochaRun): Difference[] {
  const differences: Difference[] = [];
  for (const { key, result } of keyResults(bare.tests)) {
    if (result.status !== 'passed') continue;
    const wrappedState = stateIn(wrapped, key, result.titlePath);
    if (wrappedState.outcome === 'passed') continue;
    differences.push({
      key,
      titlePath: result.titlePath,
      title: result.title,
      file: result.file,
      bare: { outcome: 'passed', error: undefined },
      wrapped: wrappedState,
      bareRerun: undefined,
      wrappedRerun: undefined,
    });
  }
  return differences;
}

/**
 * What the wrapped failure says: for an assertion, the actual value (its message also quotes the
 * expected one, which an entry's pattern would otherwise match); else the error's message; for a
 * test that never ran, also why.
 */
function messageOf(state: TestState | undefined): string {
  return [state?.error?.actual ?? state?.error?.message ?? '', state?.cause ?? ''].join('\n');
}

/**
 * A difference is a regression when it showed twice (the bare rerun passed, the wrapped rerun did
 * not); once only, it is flaky. A regression listed in intended-differences.ts, failing the way
 * the entry says, is an intended difference instead.
 */
export function classify(
  suite: SuiteName,
  differences: readonly Difference[],
  intendedList: readonly IntendedDifference[],
): ClassifiedDifference[] {
  return differences.map((difference) => {
    const confirmed =
      difference.bareRerun?.outcome === 'passed' &&
      difference.wrappedRerun !== undefined &&
      difference.wrappedRerun.outcome !== 'passed';
    if (!confirmed) return { ...difference, verdict: 'flaky' };
    const intended = intendedList.find(
      (entry) =>
        entry.suite === suite &&
        entry.title === difference.title &&
        entry.failure.test(messageOf(difference.wrapped)) &&
        entry.failure.test(messageOf(difference.wrappedRerun)),
    );
    return intended === undefined
      ? { ...difference, verdict: 'regression' }
      : { ...difference, verdict: 'intended', reason: intended.reason };
  });
}

export function compareRuns(
  bare: MochaRun,
  wrapped: MochaRun,
  classified: readonly ClassifiedDifference[],
): Comparison {
  const keys = new Set<string>();
  for (const entry of keyResults(bare.tests)) keys.add(entry.key);
  for (const entry of keyResults(wrapped.tests)) keys.add(entry.key);
  const bareByKey = new Map(keyResults(bare.tests).map((entry) => [entry.key, entry.result]));
  const wrappedByKey = new Map(keyResults(wrapped.tests).map((entry) => [entry.key, entry.result]));
  const bothFailed: FailedTest[] = [];
  let pendingBoth = 0;
  const passedOnlyWrapped: FailedTest[] = [];
  for (const key of keys) {
    const b = bareByKey.get(key);
    const w = wrappedByKey.get(key);
    if (b?.status === 'pending' && w?.status === 'pending') pendingBoth += 1;
    if (b?.status === 'failed' && w?.status !== 'passed') {
      bothFailed.push({ title: b.title, file: b.file, bareError: b.error?.message });
    }
    if (b?.status === 'failed' && w?.status === 'passed') {
      passedOnlyWrapped.push({ title: w.title, file: w.file, bareError: b.error?.message });
    }
  }
  return {
    totalTests: keys.size,
    barePassed: bare.tests.filter((test) => test.status === 'passed').length,
    wrappedPassed: wrapped.tests.filter((test) => test.status === 'passed').length,
    bothFailed,
    pendingBoth,
    regressions: classified.filter((difference) => difference.verdict === 'regression'),
    intended: classified.filter((difference) => difference.verdict === 'intended'),
    flaky: classified.filter((difference) => difference.verdict === 'flaky'),
    passedOnlyWrapped,
  };
}
