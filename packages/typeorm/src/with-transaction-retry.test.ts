import { GONEAWAY_CODES, isGoneAwayConfigError } from '@goneaway/core';
import { describe, expect, it, vi } from 'vitest';
import { goneAwayTypeorm } from './gone-away-typeorm.js';
import { withTransactionRetry } from './with-transaction-retry.js';

/** What TypeORM's QueryFailedError looks like around a goneaway error: its fields copied on. */
function queryFailed(code: string): Error {
  return Object.assign(new Error('Connection lost inside a transaction'), { name: 'QueryFailedError', code });
}

function fakeDataSource(transaction: (...args: unknown[]) => Promise<unknown>) {
  return { options: goneAwayTypeorm({ type: 'mysql' }), manager: { kind: 'manager' }, transaction };
}

describe('withTransactionRetry', () => {
  it('runs the whole transaction again after GONEAWAY_TRANSACTION_LOST on the QueryFailedError TypeORM throws', async () => {
    let runs = 0;
    const dataSource = fakeDataSource(async (...args: unknown[]) => {
      const fn = args.at(-1) as (manager: unknown) => Promise<unknown>;
      const result = await fn({ kind: 'manager' });
      if (++runs === 1) throw queryFailed(GONEAWAY_CODES.TRANSACTION_LOST);
      return result;
    });
    const onRetry = vi.fn();
    const result = await withTransactionRetry(dataSource, async (manager) => manager.kind, {
      backoff: { initialDelayMs: 1, maxDelayMs: 1 },
      onRetry,
    });
    expect(result).toBe('manager');
    expect(runs).toBe(2);
    expect(onRetry).toHaveBeenCalledWith(expect.objectContaining({ reason: 'transaction-lost' }));
  });

  it('does not run again after a lost COMMIT or any other error', async () => {
    for (const code of [GONEAWAY_CODES.COMMIT_UNKNOWN, 'ER_DUP_ENTRY']) {
      const transaction = vi.fn(async () => {
        throw queryFailed(code);
      });
      await expect(withTransactionRetry(fakeDataSource(transaction), async () => 1)).rejects.toMatchObject({
        code,
      });
      expect(transaction).toHaveBeenCalledTimes(1);
    }
  });

  it('passes isolationLevel to dataSource.transaction', async () => {
    const transaction = vi.fn(async (..._args: unknown[]) => 'done');
    await withTransactionRetry(fakeDataSource(transaction), async () => 'done', {
      isolationLevel: 'SERIALIZABLE',
    });
    expect(transaction).toHaveBeenCalledWith('SERIALIZABLE', expect.any(Function));
  });

  it('commitMarker: bad options are a config error, and an uninitialized DataSource is refused, before anything runs', () => {
    const transaction = vi.fn(async () => 'done');
    expect(() =>
      withTransactionRetry(fakeDataSource(transaction), async () => 1, { commitMarker: { table: 'x;y' } }),
    ).toThrow(/commitMarker\.table/);
    expect(() =>
      withTransactionRetry(fakeDataSource(transaction), async () => 1, { commitMarker: true }),
    ).toThrow(/initialize\(\)/);
    expect(transaction).not.toHaveBeenCalled();
  });

  it('rejects a DataSource made without goneAwayTypeorm, and a missing fn', () => {
    const bare = { options: { driver: undefined }, transaction: async () => undefined };
    let error: unknown;
    try {
      withTransactionRetry(bare, async () => undefined);
    } catch (caught) {
      error = caught;
    }
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('without goneaway');
    expect(() =>
      withTransactionRetry(
        fakeDataSource(async () => undefined),
        undefined as never,
      ),
    ).toThrow(TypeError);
  });
});
