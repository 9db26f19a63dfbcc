import { describe, expect, it } from 'vitest';
import { CommitOutcomeUnknownError, isCommitOutcomeUnknown } from '../errors/commit-outcome-unknown-error.js';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { isTransactionLost } from '../errors/transaction-lost-error.js';
import { CommitMarker } from './commit-marker.js';
import { parseCommitMarkerOptions } from './commit-marker-options.js';
import { runTransactionWithCommitMarker } from './commit-marker-transaction.js';
import { FakeMarkerConnection } from './fake-marker-connection.js';

const fast = { backoff: { initialDelayMs: 1, maxDelayMs: 1 } };

/**
 * A server whose marker rows are those of transactions that committed: `lose` decides, per attempt,
 * whether COMMIT is lost after it ran ('reply') or before ('request').
 */
function fakeDatabase(lose: (attempt: number) => 'reply' | 'request' | undefined) {
  const committed = new Set<string>();
  const outside = new FakeMarkerConnection((sql) => {
    const id = /X'([0-9a-f]{32})'/.exec(sql)?.[1];
    if (sql.includes('FOR UPDATE NOWAIT')) return { rows: id !== undefined && committed.has(id) ? [{}] : [] };
    return { affectedRows: 1 };
  });
  const marker = new CommitMarker({ settings: parseCommitMarkerOptions(true)!, outside });
  let attempt = 0;
  const binding = {
    transaction: async <T>(body: (tx: FakeMarkerConnection) => Promise<T>): Promise<T> => {
      attempt++;
      const tx = new FakeMarkerConnection(() => ({ insertId: 10 + attempt }));
      const value = await body(tx);
      const loss = lose(attempt);
      if (loss === 'request') throw new CommitOutcomeUnknownError();
      const id = /X'([0-9a-f]{32})'/.exec(tx.statements.at(-1) ?? '')?.[1];
      if (id !== undefined) committed.add(id);
      if (loss === 'reply') throw new CommitOutcomeUnknownError();
      return value;
    },
    connectionOf: (tx: FakeMarkerConnection) => tx,
    resolveTimeoutMs: 1_000,
  };
  return { marker, binding, outside, committed };
}

describe('runTransactionWithCommitMarker', () => {
  it('the reply to COMMIT is lost: the marker says committed, the result comes back, no second run', async () => {
    const { marker, binding, committed } = fakeDatabase((attempt) => (attempt === 1 ? 'reply' : undefined));
    let runs = 0;
    const value = await runTransactionWithCommitMarker(marker, binding, async () => ++runs, fast);
    expect(value).toBe(1);
    expect(runs).toBe(1);
    expect(committed.size).toBe(1);
    expect(marker.stats()).toMatchObject({ written: 1, resolvedCommitted: 1, pendingDeletes: 1 });
  });

  it('COMMIT never arrived: the marker is absent, the transaction runs again, once', async () => {
    const { marker, binding, committed } = fakeDatabase((attempt) => (attempt === 1 ? 'request' : undefined));
    let runs = 0;
    expect(await runTransactionWithCommitMarker(marker, binding, async () => ++runs, fast)).toBe(2);
    expect(committed.size).toBe(1);
    expect(marker.stats()).toMatchObject({ written: 2, resolvedRolledBack: 1 });
  });

  it('rolled back on the last attempt: TransactionLostError', async () => {
    const { marker, binding } = fakeDatabase(() => 'request');
    const error = await runTransactionWithCommitMarker(marker, binding, async () => 1, {
      ...fast,
      maxAttempts: 2,
    }).catch((e: unknown) => e);
    expect(isTransactionLost(error)).toBe(true);
  });

  it('COMMIT lost before any marker was written (the callback committed itself): CommitOutcomeUnknownError', async () => {
    const { marker, binding } = fakeDatabase(() => undefined);
    const error = await runTransactionWithCommitMarker(
      marker,
      binding,
      async () => {
        throw new CommitOutcomeUnknownError();
      },
      fast,
    ).catch((e: unknown) => e);
    expect(isCommitOutcomeUnknown(error)).toBe(true);
    expect(marker.stats().resolvedCommitted + marker.stats().resolvedRolledBack).toBe(0);
  });

  it('refuses resolveCommitOutcome beside the marker, before anything runs', async () => {
    const { marker, binding, outside } = fakeDatabase(() => undefined);
    const error = await runTransactionWithCommitMarker(marker, binding, async () => 1, {
      resolveCommitOutcome: async () => ({ outcome: 'unknown' }),
    }).catch((e: unknown) => e);
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect(outside.statements).toEqual([]);
  });
});
