import { GONEAWAY_CODES, isGoneAwayConfigError } from '@goneaway/core';
import { describe, expect, it } from 'vitest';
import { withGoneaway } from './with-goneaway.js';
import { withTransactionRetry } from './with-transaction-retry.js';

/** What Prisma throws: PrismaClientKnownRequestError carries a string code (ours, or Prisma's P-codes). */
function prismaError(code: string, meta?: Record<string, unknown>): Error {
  return Object.assign(new Error(`failed: ${code}`), { name: 'PrismaClientKnownRequestError', code, meta });
}

/** A PrismaClient stand-in whose $transaction fails with the given errors, then succeeds. */
function fakePrisma(failures: Error[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async $transaction<R>(fn: (tx: string) => Promise<R>): Promise<R> {
      calls++;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return fn('tx');
    },
  };
}

const fast = { backoff: { initialDelayMs: 1, maxDelayMs: 1 } };

describe('withTransactionRetry (prisma)', () => {
  it('runs the transaction again after GONEAWAY_TRANSACTION_LOST as Prisma rethrows it', async () => {
    const prisma = fakePrisma([prismaError(GONEAWAY_CODES.TRANSACTION_LOST)]);
    expect(await withTransactionRetry(prisma, async (tx) => `${tx}-done`, fast)).toBe('tx-done');
    expect(prisma.calls).toBe(2);
  });

  it("runs it again after a deadlock (Prisma's P2034), and hands back Prisma's own error once the attempts are spent", async () => {
    const deadlock = prismaError('P2034');
    const prisma = fakePrisma([deadlock, prismaError('P2034'), prismaError('P2034')]);
    const seen: unknown[] = [];
    const error = await withTransactionRetry(prisma, async () => 'x', {
      ...fast,
      onRetry: (info) => seen.push(info.error),
    }).catch((e: unknown) => e);
    expect(prisma.calls).toBe(3);
    expect((error as { code?: string }).code).toBe('P2034');
    expect(seen[0]).toBe(deadlock);
  });

  it('does not run it again after any other error', async () => {
    const prisma = fakePrisma([prismaError('P2002')]);
    const error = await withTransactionRetry(prisma, async () => 'x', fast).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('P2002');
    expect(prisma.calls).toBe(1);
  });

  it('a COMMIT whose outcome is unknown is never run again blindly', async () => {
    const prisma = fakePrisma([prismaError(GONEAWAY_CODES.COMMIT_UNKNOWN)]);
    const error = await withTransactionRetry(prisma, async () => 'x', fast).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe(GONEAWAY_CODES.COMMIT_UNKNOWN);
    expect(prisma.calls).toBe(1);
  });
});

describe('withGoneaway', () => {
  it('refuses something that is not an adapter factory with GoneAwayConfigError naming it', () => {
    for (const notAFactory of [{ provider: 'mysql', adapterName: 'x' }, new Map(), null, 'mariadb://h/db']) {
      let error: unknown;
      try {
        withGoneaway(notAFactory as never);
      } catch (caught) {
        error = caught;
      }
      expect(isGoneAwayConfigError(error)).toBe(true);
      expect(String((error as Error).message)).toContain('adapterFactory');
    }
  });

  it('refuses bad options with GoneAwayConfigError', () => {
    const factory = { provider: 'mysql', adapterName: 'x', connect: async () => ({}) } as never;
    expect(() => withGoneaway(factory, { outageBudgetMs: -1 } as never)).toThrow(/outageBudgetMs/);
  });
  it('commitMarker: bad options and a client without goneaway are config errors, before any transaction', async () => {
    const prisma = fakePrisma([]);
    const bad = await withTransactionRetry(prisma, async () => 1, { commitMarker: { table: 'x;y' } }).catch(
      (e: unknown) => e,
    );
    expect(isGoneAwayConfigError(bad)).toBe(true);
    expect((bad as Error).message).toContain('commitMarker.table');
    const bare = await withTransactionRetry(prisma, async () => 1, { commitMarker: true }).catch(
      (e: unknown) => e,
    );
    expect(isGoneAwayConfigError(bare)).toBe(true);
    expect((bare as Error).message).toContain('withGoneaway');
    expect(prisma.calls).toBe(0);
  });
});
