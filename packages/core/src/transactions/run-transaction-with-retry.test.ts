import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommitOutcomeUnknownError } from '../errors/commit-outcome-unknown-error.js';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { isTransactionLost, TransactionLostError } from '../errors/transaction-lost-error.js';
import {
  isDeadlock,
  runTransactionWithRetry,
  type TransactionRetryInfo,
} from './run-transaction-with-retry.js';

const deadlock = () =>
  Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), {
    code: 'ER_LOCK_DEADLOCK',
    errno: 1213,
    sqlState: '40001',
  });
const lost = () =>
  new TransactionLostError({
    cause: Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' }),
  });
const commitLost = () =>
  new CommitOutcomeUnknownError({
    cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  });

/** runOnce that throws the given errors in turn, then returns `attempt-N`. */
function transaction(errors: Array<() => unknown>) {
  const runs: number[] = [];
  const runOnce = async (attempt: number) => {
    runs.push(attempt);
    const next = errors[attempt - 1];
    if (next !== undefined) throw next();
    return `attempt-${attempt}`;
  };
  return { runOnce, runs };
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return outcome;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runTransactionWithRetry', () => {
  it('runs the whole transaction again after TRANSACTION_LOST and after a deadlock', async () => {
    const { runOnce, runs } = transaction([lost, deadlock]);
    const retries: TransactionRetryInfo[] = [];
    const { value } = await settle(
      runTransactionWithRetry(runOnce, { onRetry: (info) => retries.push(info) }),
    );
    expect(value).toBe('attempt-3');
    expect(runs).toEqual([1, 2, 3]);
    expect(retries.map((r) => [r.attempt, r.reason])).toEqual([
      [1, 'transaction-lost'],
      [2, 'deadlock'],
    ]);
  });

  it("sees TRANSACTION_LOST through a library's wrapper (Drizzle's cause) and rethrows the wrapper untouched", async () => {
    const wrapped = () => Object.assign(new Error('Failed query: update …'), { cause: lost() });
    const { runOnce, runs } = transaction([wrapped]);
    const { value } = await settle(runTransactionWithRetry(runOnce));
    expect(value).toBe('attempt-2');
    expect(runs).toEqual([1, 2]);

    const last = wrapped();
    const { error } = await settle(runTransactionWithRetry(() => Promise.reject(last), { maxAttempts: 1 }));
    expect(error).toBe(last);
  });

  it('stops at maxAttempts and rethrows the last error untouched', async () => {
    const last = deadlock();
    const { runOnce, runs } = transaction([deadlock, deadlock, () => last]);
    const { error } = await settle(runTransactionWithRetry(runOnce));
    expect(error).toBe(last);
    expect(runs).toEqual([1, 2, 3]);
    const once = transaction([lost]);
    expect(
      isTransactionLost((await settle(runTransactionWithRetry(once.runOnce, { maxAttempts: 1 }))).error),
    ).toBe(true);
    expect(once.runs).toEqual([1]);
  });

  it('lets every other error through at once', async () => {
    const duplicate = Object.assign(new Error('Duplicate entry'), { errno: 1062, code: 'ER_DUP_ENTRY' });
    const { runOnce, runs } = transaction([() => duplicate]);
    expect((await settle(runTransactionWithRetry(runOnce))).error).toBe(duplicate);
    expect(runs).toEqual([1]);
  });

  it('never runs again after a lost COMMIT unless the resolver says it did not commit', async () => {
    const error = commitLost();
    const blind = transaction([() => error]);
    expect((await settle(runTransactionWithRetry(blind.runOnce))).error).toBe(error);
    expect(blind.runs).toEqual([1]);

    const unknown = transaction([() => error]);
    const resolveCommitOutcome = vi.fn(async () => ({ outcome: 'unknown' as const }));
    expect((await settle(runTransactionWithRetry(unknown.runOnce, { resolveCommitOutcome }))).error).toBe(
      error,
    );
    expect(resolveCommitOutcome).toHaveBeenCalledWith(error, { attempt: 1, signal: undefined });
    expect(unknown.runs).toEqual([1]);
  });

  it('runs again when the resolver reports not committed, and resolves with its value when committed', async () => {
    const notCommitted = transaction([commitLost]);
    const retries: TransactionRetryInfo[] = [];
    const again = await settle(
      runTransactionWithRetry(notCommitted.runOnce, {
        resolveCommitOutcome: async () => ({ outcome: 'not-committed' }),
        onRetry: (info) => retries.push(info),
      }),
    );
    expect(again.value).toBe('attempt-2');
    expect(retries.map((r) => r.reason)).toEqual(['not-committed']);

    const committed = transaction([commitLost]);
    const resolved = await settle(
      runTransactionWithRetry(committed.runOnce, {
        resolveCommitOutcome: async () => ({ outcome: 'committed', value: 'result of attempt 1' }),
      }),
    );
    expect(resolved.value).toBe('result of attempt 1');
    expect(committed.runs).toEqual([1]);
  });

  it('reports a known rollback on the last attempt as TRANSACTION_LOST', async () => {
    const { runOnce } = transaction([commitLost]);
    const { error } = await settle(
      runTransactionWithRetry(runOnce, {
        maxAttempts: 1,
        resolveCommitOutcome: async () => ({ outcome: 'not-committed' }),
      }),
    );
    expect(isTransactionLost(error)).toBe(true);
  });

  it('abort stops the wait between runs at once and starts no other run', async () => {
    const controller = new AbortController();
    const { runOnce, runs } = transaction([lost, lost]);
    const outcome = runTransactionWithRetry(runOnce, {
      signal: controller.signal,
      backoff: { initialDelayMs: 10_000, maxDelayMs: 10_000 },
    }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(runs).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a maxAttempts that is not a positive integer', async () => {
    for (const maxAttempts of [0, 1.5, Number.NaN]) {
      const error = await runTransactionWithRetry(async () => 1, { maxAttempts }).catch((e: unknown) => e);
      expect(isGoneAwayConfigError(error)).toBe(true);
    }
  });
});

describe('isDeadlock', () => {
  it('finds 1213 through wrappers, and 3101 / SQLSTATE 40001 through classify', () => {
    expect(isDeadlock(deadlock())).toBe(true);
    expect(isDeadlock(new Error('wrapped', { cause: { errno: 1213 } }))).toBe(true);
    expect(
      isDeadlock({ originalError: { errno: 3101, code: 'ER_TRANSACTION_ROLLBACK_DURING_COMMIT' } }),
    ).toBe(true);
    expect(isDeadlock({ sqlState: '40001', message: 'serialization failure' })).toBe(true);
    expect(isDeadlock({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' })).toBe(false);
    expect(isDeadlock(new Error('nope'))).toBe(false);
    expect(isDeadlock(undefined)).toBe(false);
  });
});
