import { describe, expect, it } from 'vitest';
import { classify, compareRuns, findDifferences, stateIn } from './compare-runs.js';
import type { MochaRun, ReportedResult } from './run-mocha.js';

function result(
  title: string,
  status: ReportedResult['status'],
  extra: Partial<ReportedResult> = {},
): ReportedResult {
  return {
    kind: 'test',
    status,
    title,
    titlePath: title.split(' > '),
    suitePath: title.split(' > ').slice(0, -1),
    file: 'spec.js',
    durationMs: 1,
    error: status === 'failed' ? { message: `${title} failed`, stack: [] } : undefined,
    ...extra,
  };
}

function run(mode: MochaRun['mode'], tests: ReportedResult[], hookFailures: ReportedResult[] = []): MochaRun {
  return {
    mode,
    specFiles: ['spec.js'],
    durationMs: 1,
    exitCode: 0,
    signal: null,
    timedOut: false,
    finished: true,
    tests,
    hookFailures,
    logFile: '/dev/null',
  };
}

describe('findDifferences', () => {
  it('lists what passed bare and failed wrapped, and tells repeated titles apart by occurrence', () => {
    const bare = run('bare', [
      result('a > same', 'passed'),
      result('a > same', 'passed'),
      result('a > other', 'failed'),
    ]);
    const wrapped = run('wrapped', [
      result('a > same', 'passed'),
      result('a > same', 'failed'),
      result('a > other', 'failed'),
    ]);
    const differences = findDifferences(bare, wrapped);
    expect(differences.map((difference) => difference.key)).toEqual(['spec.js\u241fa > same\u241f2']);
  });

  it('explains a test the wrapped run never reached by the hook that failed above it', () => {
    const hook = result('a > "before all" hook', 'failed', { kind: 'hook', suitePath: ['a'] });
    const bare = run('bare', [result('a > b', 'passed')]);
    const wrapped = run('wrapped', [], [hook]);
    const [difference] = findDifferences(bare, wrapped);
    expect(difference?.wrapped).toMatchObject({ outcome: 'missing', cause: 'a > "before all" hook' });
    expect(
      stateIn({ ...wrapped, hookFailures: [], finished: false, exitCode: 1 }, 'x', ['a', 'b']).cause,
    ).toMatch(/ended before this test/);
  });
});

describe('classify', () => {
  const base = {
    key: 'k',
    titlePath: ['t'],
    title: 't',
    file: 'spec.js',
    bare: { outcome: 'passed' as const, error: undefined },
  };
  const failing = (actual: string) => ({
    outcome: 'failed' as const,
    // chai's message quotes the expected value: only `actual` says what the wrapped run did.
    error: {
      message: `expected '${actual.slice(0, 30)}…' to equal 'connect ECONNREFUSED 127.0.0.1:601'`,
      actual,
      stack: [],
    },
  });
  const intended = [
    {
      suite: 'knex' as const,
      title: 't',
      failure: /unavailable[\s\S]*ECONNREFUSED 127\.0\.0\.1:601/,
      reason: 'why',
    },
  ];

  it('calls a difference seen once flaky, and one seen twice a regression', () => {
    const once = {
      ...base,
      wrapped: failing('x'),
      bareRerun: { outcome: 'passed' as const, error: undefined },
      wrappedRerun: { outcome: 'passed' as const, error: undefined },
    };
    const twice = { ...once, wrappedRerun: failing('x') };
    expect(classify('knex', [once, twice], []).map((entry) => entry.verdict)).toEqual([
      'flaky',
      'regression',
    ]);
  });

  it('matches an intended difference against what the wrapped run threw, not the expected value in the message', () => {
    const withoutAddress = failing('The database is unavailable: connect-failed ECONNREFUSED');
    const withAddress = failing('The database is unavailable: connect ECONNREFUSED 127.0.0.1:601');
    const passed = { outcome: 'passed' as const, error: undefined };
    const [lost] = classify(
      'knex',
      [{ ...base, wrapped: withoutAddress, bareRerun: passed, wrappedRerun: withoutAddress }],
      intended,
    );
    const [kept] = classify(
      'knex',
      [{ ...base, wrapped: withAddress, bareRerun: passed, wrappedRerun: withAddress }],
      intended,
    );
    expect(lost?.verdict).toBe('regression');
    expect(kept).toMatchObject({ verdict: 'intended', reason: 'why' });
  });
});

describe('compareRuns', () => {
  it('counts passes per run, failures on both sides and passes only wrapped', () => {
    const bare = run('bare', [
      result('a > x', 'passed'),
      result('a > y', 'failed'),
      result('a > z', 'failed'),
    ]);
    const wrapped = run('wrapped', [
      result('a > x', 'passed'),
      result('a > y', 'failed'),
      result('a > z', 'passed'),
    ]);
    const comparison = compareRuns(bare, wrapped, []);
    expect(comparison).toMatchObject({ totalTests: 3, barePassed: 1, wrappedPassed: 2 });
    expect(comparison.bothFailed.map((test) => test.title)).toEqual(['a > y']);
    expect(comparison.passedOnlyWrapped.map((test) => test.title)).toEqual(['a > z']);
  });
});
