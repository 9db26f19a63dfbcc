import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CommitMarkerStats,
  commitMarkerStats,
  flushCommitMarkers,
  type GoneAwayConfigError,
  type GoneAwayEvent,
  goneAwayPrisma,
  isGoneAwayConfigError,
  isPacketTooLarge,
  type PacketTooLargeError,
  type PrismaGoneAwayStats,
  stats,
  subscribeTo,
  withGoneaway,
  withTransactionRetry,
} from './index.js';

interface Tx {
  item: { create(args: { data: { k: string } }): Promise<{ id: number }> };
}
declare const prisma: { $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: unknown): Promise<R> };

describe('@goneaway/prisma public types', () => {
  it('goneAwayPrisma takes a PrismaMariaDb and returns a driver adapter factory for new PrismaClient({ adapter })', () => {
    const adapter = goneAwayPrisma(new PrismaMariaDb('mariadb://u:p@localhost:3306/db'));
    expectTypeOf(adapter).toEqualTypeOf<SqlDriverAdapterFactory>();
    expectTypeOf(goneAwayPrisma)
      .parameter(1)
      .toEqualTypeOf<import('@goneaway/core').GoneAwayOptions | undefined>();
  });

  it('goneAwayPrisma takes the mariadb settings (and the adapter options) to follow a cluster', () => {
    const adapter = goneAwayPrisma(
      { user: 'u', password: 'p', database: 'db', connectionLimit: 4 },
      { cluster: { hosts: ['10.0.0.1:3306', '10.0.0.2:3306'], flavor: 'replication' } },
      { useTextProtocol: true },
    );
    expectTypeOf(adapter).toEqualTypeOf<SqlDriverAdapterFactory>();
    // @ts-expect-error a URL string is neither a factory nor the settings object
    goneAwayPrisma('mariadb://u:p@h/db', { cluster: { hosts: ['h'], flavor: 'galera' } });
  });

  it("withTransactionRetry hands fn the client's transaction type and resolves with fn's result", () => {
    const result = withTransactionRetry(prisma, async (tx) => {
      expectTypeOf(tx).toEqualTypeOf<Tx>();
      return (await tx.item.create({ data: { k: 'a' } })).id;
    });
    expectTypeOf(result).toEqualTypeOf<Promise<number>>();
  });

  it('withTransactionRetry takes commitMarker; its counters are typed', () => {
    void withTransactionRetry(prisma, async () => 1, { commitMarker: true });
    void withTransactionRetry(prisma, async () => 1, {
      commitMarker: { table: 'ops.commit_markers', pruneAfterMs: false, resolveTimeoutMs: 10_000 },
      transactionOptions: { timeout: 10_000 },
    });
    // @ts-expect-error an unknown commitMarker option
    void withTransactionRetry(prisma, async () => 1, { commitMarker: { tabel: 'x' } });
    expectTypeOf(commitMarkerStats(prisma)).toEqualTypeOf<CommitMarkerStats | undefined>();
    expectTypeOf(flushCommitMarkers(prisma)).toEqualTypeOf<Promise<void>>();
  });

  it('refuses what goneaway cannot work with', () => {
    // @ts-expect-error not a driver adapter factory (no connect)
    goneAwayPrisma({ provider: 'mysql' });
    // @ts-expect-error retryReads is a boolean
    goneAwayPrisma(new PrismaMariaDb('mariadb://u:p@localhost:3306/db'), { retryReads: 'yes' });
    // @ts-expect-error not a PrismaClient (no $transaction)
    void withTransactionRetry({}, async () => 1);
    // @ts-expect-error fn must return a promise
    void withTransactionRetry(prisma, () => 1);
    // @ts-expect-error fn gets the client's transaction type, not a string
    void withTransactionRetry(prisma, async (tx: string) => tx);
  });

  it('withGoneaway is the deprecated name of goneAwayPrisma', () => {
    expectTypeOf(withGoneaway).toEqualTypeOf(goneAwayPrisma);
  });

  it('guards narrow what the application caught; stats and events are typed', () => {
    const caught: unknown = undefined;
    if (isPacketTooLarge(caught)) expectTypeOf(caught).toEqualTypeOf<PacketTooLargeError>();
    if (isGoneAwayConfigError(caught)) expectTypeOf(caught).toEqualTypeOf<GoneAwayConfigError>();
    expectTypeOf(stats).returns.toEqualTypeOf<PrismaGoneAwayStats>();
    expectTypeOf(subscribeTo).parameter(1).parameter(0).toEqualTypeOf<GoneAwayEvent>();
  });
});
