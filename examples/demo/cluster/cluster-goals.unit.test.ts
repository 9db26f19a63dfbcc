import { describe, expect, it } from 'vitest';
import { aggregateMetrics } from './aggregate-metrics.js';
import { checkSide, score, verdictOf } from './cluster-goals.js';
import { CLUSTER_SCENARIOS } from './cluster-scenarios.js';
import { scenarioTable } from './cluster-table.js';
import type { SideMetrics } from './measure-side.js';

const CLEAN: SideMetrics = {
  ok: 1_000,
  typedErrors: 2,
  rawErrors: 0,
  topRawCode: null,
  readGapMs: 400,
  readGapOpen: false,
  firstWriteMs: 50,
  refusedWrites: 0,
  beforeSynced: null,
  afterSynced: null,
  lost: 0,
  duplicated: 0,
  committedThoughFailed: 0,
  hungWorkers: 0,
  noiseLines: 0,
  uncaught: 0,
  detectionMs: 300,
};

const BARE: SideMetrics = {
  ...CLEAN,
  typedErrors: 0,
  rawErrors: 1_104,
  topRawCode: 'ER_UNKNOWN_COM_ERROR',
  readGapMs: 12_000,
  readGapOpen: true,
  firstWriteMs: null,
  refusedWrites: 624,
  detectionMs: null,
};

const crash = CLUSTER_SCENARIOS.find((scenario) => scenario.id === 'node-crash')!;

describe('goals of issue #17', () => {
  it('judges each goal of a scenario on one side; detection only for goneaway', () => {
    const goneaway = checkSide(crash.goals, 'goneaway-knex', CLEAN);
    expect(goneaway.every((check) => check.met === true)).toBe(true);
    const bare = checkSide(crash.goals, 'bare-knex', BARE);
    expect(bare.find((check) => check.goal === 'detect-crash')).toMatchObject({ met: null, measured: '–' });
    expect(bare.find((check) => check.goal === 'read-gap')).toMatchObject({
      met: false,
      measured: '≥ 12.0 s',
    });
    expect(bare.find((check) => check.goal === 'first-write')).toMatchObject({
      met: false,
      measured: 'none',
    });
    expect(score(bare).of).toBe(crash.goals.length - 1);
  });

  it('a detection past its goal, or none at all, is a miss for goneaway', () => {
    expect(checkSide(['detect-crash'], 'goneaway-mysql2', { ...CLEAN, detectionMs: 1_200 })[0]?.met).toBe(
      false,
    );
    const verdict = verdictOf(crash.goals, {
      'bare-knex': BARE,
      'pool-cluster': BARE,
      'goneaway-knex': CLEAN,
      'goneaway-mysql2': { ...CLEAN, detectionMs: null },
    });
    expect(verdict.goneawayMet).toBe(false);
    expect(verdict.missed).toEqual(['mysql2 + goneaway cluster: crash detected – (goal ≤ 1 s)']);
    expect(verdict.text).toContain('knex + goneaway cluster 7/7');
  });

  it('a rejoin is judged on both: nothing before Synced, and traffic back afterwards', () => {
    const rejoin = CLUSTER_SCENARIOS.find((scenario) => scenario.id === 'node-rejoin')!;
    const removedForever = checkSide(rejoin.goals, 'pool-cluster', {
      ...CLEAN,
      beforeSynced: 0,
      afterSynced: 0,
    });
    expect(removedForever.find((check) => check.goal === 'synced-before-traffic')?.met).toBe(true);
    expect(removedForever.find((check) => check.goal === 'back-after-synced')).toMatchObject({
      met: false,
      measured: '0 (never back)',
    });
  });

  it('a side that did not run fails the verdict', () => {
    expect(verdictOf(crash.goals, { 'goneaway-knex': CLEAN }).goneawayMet).toBe(false);
  });
});

describe('scenarioTable', () => {
  it('puts every side in a column and marks the cells a goal judges', () => {
    const table = scenarioTable(crash, { 'bare-knex': BARE, 'goneaway-knex': CLEAN });
    expect(table.head).toEqual([
      '',
      'goal',
      'bare knex (one address)',
      'mysql2 PoolCluster (ORDER)',
      'knex + goneaway cluster',
      'mysql2 + goneaway cluster',
    ]);
    const gap = table.rows.find((row) => row[0]?.text.startsWith('longest time without'));
    expect(gap?.map((cell) => cell.text)).toEqual([
      'longest time without a successful read',
      '≤ 2 s',
      '≥ 12.0 s ✗',
      'did not run',
      '400 ms ✓',
      'did not run',
    ]);
    // The rejoin rows only show in the rejoin scenario.
    expect(table.rows.some((row) => row[0]?.text.includes('before it was Synced'))).toBe(false);
  });

  it('with repetitions, shows the median and the worst and judges the worst', () => {
    const { median, worst } = aggregateMetrics([
      CLEAN,
      { ...CLEAN, readGapMs: 2_600, detectionMs: 500 },
      { ...CLEAN, readGapMs: 300 },
    ]);
    expect(median).toMatchObject({ readGapMs: 400, detectionMs: 300 });
    expect(worst).toMatchObject({ readGapMs: 2_600, detectionMs: 500 });
    const table = scenarioTable(crash, { 'goneaway-knex': median }, { 'goneaway-knex': worst });
    const gap = table.rows.find((row) => row[0]?.text.startsWith('longest time without'));
    expect(gap?.[4]).toEqual({ text: '400 ms (worst 2.6 s) ✗', tone: 'bad' });
  });

  it('a detection missing from one repetition is the worst case', () => {
    const { median, worst } = aggregateMetrics([CLEAN, { ...CLEAN, detectionMs: null }]);
    expect(median.detectionMs).toBe(300);
    expect(worst.detectionMs).toBeNull();
  });
});
