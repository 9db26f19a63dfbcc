import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CommitMarkerStats,
  commitMarkerStats,
  flushCommitMarkers,
  type GoneAwayConfigError,
  type GoneAwayEvent,
  goneAwayMysql2,
  isConnectionLost,
  isGoneAwayConfigError,
  isTransactionLost,
  type Mysql2GoneAwayStats,
  stats,
  subscribeTo,
  type TransactionConnectionOf,
  type TransactionLostError,
  withTransactionRetry,
  wrapMysql2,
} from './index.js';

const callbackPool = goneAwayMysql2(mysql2).createPool({ host: 'db' });
const promisePool = goneAwayMysql2(mysql2Promise).createPool({ host: 'db' });

describe('@goneaway/mysql2 public types', () => {
  it("goneAwayMysql2 returns the module it was given, so pools and connections keep mysql2's own types", () => {
    expectTypeOf(goneAwayMysql2(mysql2)).toEqualTypeOf<typeof mysql2>();
    expectTypeOf(callbackPool).toEqualTypeOf<mysql2.Pool>();
    expectTypeOf(promisePool).toEqualTypeOf<mysql2Promise.Pool>();
    expectTypeOf(goneAwayMysql2(mysql2Promise).createConnection({})).toEqualTypeOf<
      Promise<mysql2Promise.Connection>
    >();
    expectTypeOf(goneAwayMysql2)
      .parameter(1)
      .toEqualTypeOf<import('@goneaway/core').GoneAwayOptions | undefined>();
    // @ts-expect-error not a mysql2 module
    goneAwayMysql2(42);
    // @ts-expect-error not a mysql2 module (no createPool)
    goneAwayMysql2({ createConnection: () => undefined });
    // @ts-expect-error an unknown option value: outageBudgetMs is a number
    goneAwayMysql2(mysql2, { outageBudgetMs: '5s' });
  });

  it("withTransactionRetry hands fn the connection the pool's getConnection gives, under strict", () => {
    const fromPromisePool = withTransactionRetry(promisePool, async (connection) => {
      expectTypeOf(connection).toEqualTypeOf<mysql2Promise.PoolConnection>();
      const [rows] = await connection.query('select 1 as one');
      return rows;
    });
    expectTypeOf(fromPromisePool).toEqualTypeOf<Promise<mysql2Promise.QueryResult>>();
    const fromCallbackPool = withTransactionRetry(callbackPool, async (connection) => {
      expectTypeOf(connection).toEqualTypeOf<mysql2.PoolConnection>();
      return 42;
    });
    expectTypeOf(fromCallbackPool).toEqualTypeOf<Promise<number>>();
    // The README's snippet, with the parameter left to inference.
    void withTransactionRetry(promisePool, async (connection) => {
      await connection.query('update accounts set balance = balance - ? where id = ?', [10, 1]);
      await connection.query('update accounts set balance = balance + ? where id = ?', [10, 2]);
    });
    expectTypeOf<TransactionConnectionOf<mysql2Promise.Pool>>().toEqualTypeOf<mysql2Promise.PoolConnection>();
    expectTypeOf<TransactionConnectionOf<mysql2.Pool>>().toEqualTypeOf<mysql2.PoolConnection>();
  });

  it('withTransactionRetry refuses what is not a mysql2 pool, a connection of the other kind, bad options', () => {
    // @ts-expect-error not a pool
    void withTransactionRetry({}, async () => 1);
    // @ts-expect-error a lone connection is not a pool (a transaction that runs again needs a fresh connection)
    void withTransactionRetry(mysql2.createConnection({}), async () => 1);
    // @ts-expect-error a promise pool hands out promise connections, not callback ones
    void withTransactionRetry(promisePool, async (connection: mysql2.PoolConnection) => connection.threadId);
    // @ts-expect-error fn must return a promise
    void withTransactionRetry(promisePool, () => 1);
    // @ts-expect-error maxAttempts is a number
    void withTransactionRetry(promisePool, async () => 1, { maxAttempts: 'three' });
  });

  it('wrapMysql2 is the deprecated name of goneAwayMysql2', () => {
    expectTypeOf(wrapMysql2).toEqualTypeOf(goneAwayMysql2);
  });

  it('withTransactionRetry takes commitMarker; its counters are typed', () => {
    void withTransactionRetry(promisePool, async () => 1, { commitMarker: true });
    void withTransactionRetry(callbackPool, async () => 1, {
      commitMarker: { table: 'ops.commit_markers', pruneAfterMs: false, resolveTimeoutMs: 10_000 },
    });
    // @ts-expect-error pruneAfterMs is a number of milliseconds or false
    void withTransactionRetry(promisePool, async () => 1, { commitMarker: { pruneAfterMs: '1d' } });
    expectTypeOf(commitMarkerStats(promisePool)).toEqualTypeOf<CommitMarkerStats | undefined>();
    expectTypeOf(flushCommitMarkers(callbackPool)).toEqualTypeOf<Promise<void>>();
  });

  it('guards narrow to the typed errors', () => {
    const error: unknown = new Error('x');
    if (isGoneAwayConfigError(error)) expectTypeOf(error).toEqualTypeOf<GoneAwayConfigError>();
    if (isTransactionLost(error)) expectTypeOf(error).toEqualTypeOf<TransactionLostError>();
    if (isConnectionLost(error)) expectTypeOf(error.code).toBeString();
  });

  it('stats and events are typed', () => {
    expectTypeOf(stats(promisePool)).toEqualTypeOf<Mysql2GoneAwayStats>();
    expectTypeOf(stats(callbackPool).evictions.error).toBeNumber();
    expectTypeOf(subscribeTo).parameter(1).toEqualTypeOf<(event: GoneAwayEvent) => void>();
    expectTypeOf(subscribeTo(callbackPool, () => {})).toEqualTypeOf<() => void>();
  });
});
