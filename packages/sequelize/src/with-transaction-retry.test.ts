import { isGoneAwayConfigError, TransactionLostError } from '@goneaway/core';
import { describe, expect, it, vi } from 'vitest';
import { goneAwaySequelize } from './gone-away-sequelize.js';
import { stats, subscribeTo } from './stats.js';
import { withTransactionRetry } from './with-transaction-retry.js';

/** What withTransactionRetry reads of a Sequelize instance: its config (dialectModule) and transaction(). */
function fakeSequelize(dialectModule: object | undefined) {
  const calls: unknown[][] = [];
  let failures = 1;
  return {
    calls,
    sequelize: {
      config: { dialectModule },
      transaction: vi.fn(async (...args: unknown[]) => {
        calls.push(args);
        const fn = args.at(-1) as (transaction: unknown) => Promise<unknown>;
        // What Sequelize throws for a lost transaction: a DatabaseError over goneaway's error.
        if (failures-- > 0) {
          const original = new TransactionLostError({});
          throw Object.assign(new Error(original.message), { name: 'SequelizeDatabaseError', original });
        }
        return fn({ id: 'transaction' });
      }),
    },
  };
}

describe('withTransactionRetry(sequelize, fn)', () => {
  it('runs sequelize.transaction again after a Sequelize error over GONEAWAY_TRANSACTION_LOST, with the isolation level', async () => {
    const { sequelize, calls } = fakeSequelize(goneAwaySequelize({}).dialectModule);
    const result = await withTransactionRetry(sequelize, async (transaction) => transaction, {
      isolationLevel: 'SERIALIZABLE',
      backoff: { initialDelayMs: 1, maxDelayMs: 1 },
    });
    expect(result).toEqual({ id: 'transaction' });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.[0]).toEqual({ isolationLevel: 'SERIALIZABLE' });
  });

  it('refuses a Sequelize instance made without goneAwaySequelize, and anything else', () => {
    for (const value of [fakeSequelize(undefined).sequelize, {}, null]) {
      let error: unknown;
      try {
        void withTransactionRetry(value as never, async () => 1);
      } catch (caught) {
        error = caught;
      }
      expect(isGoneAwayConfigError(error)).toBe(true);
    }
    const { sequelize } = fakeSequelize(goneAwaySequelize({}).dialectModule);
    expect(() => withTransactionRetry(sequelize, 'not a function' as never)).toThrow(TypeError);
  });

  it('stats and subscribeTo name what they expected for anything but a goneaway Sequelize', () => {
    expect(() => stats({ config: {} })).toThrow(/goneAwaySequelize\(options\)/);
    expect(() => subscribeTo(undefined, () => {})).toThrow(/subscribeTo\(sequelize\)/);
    const { sequelize } = fakeSequelize(goneAwaySequelize({}).dialectModule);
    expect(stats(sequelize).connectAttempts).toBe(0);
  });
});
