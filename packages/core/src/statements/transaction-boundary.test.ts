import { describe, expect, it } from 'vitest';
import { transactionBoundary } from './transaction-boundary.js';

describe('transactionBoundary', () => {
  it.each([
    ['BEGIN', 'begin'],
    ['  start transaction read only', 'begin'],
    ['START  TRANSACTION WITH CONSISTENT SNAPSHOT', 'begin'],
    ['COMMIT', 'commit'],
    ['commit work', 'commit'],
    ['ROLLBACK', 'rollback'],
    ['rollback work', 'rollback'],
  ] as const)('%s → %s', (sql, boundary) => {
    expect(transactionBoundary(sql)).toBe(boundary);
  });

  it.each([
    'ROLLBACK TO SAVEPOINT sp1',
    'rollback work to sp1',
    'SAVEPOINT sp1',
    'RELEASE SAVEPOINT sp1',
    'select 1',
    'BEGINNING',
    'insert into t values (1) -- COMMIT',
  ])('%s is not a boundary', (sql) => {
    expect(transactionBoundary(sql)).toBeUndefined();
  });
});
