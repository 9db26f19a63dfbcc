import * as typeorm1 from 'typeorm';
import * as typeorm03 from 'typeorm-03';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CommitMarkerStats,
  commitMarkerStats,
  flushCommitMarkers,
  type GoneAwayEvent,
  goneAwayTypeorm,
  isConnectionLost,
  isTransactionLost,
  stats,
  subscribeTo,
  type TransactionLostError,
  type TypeormGoneAwayStats,
  withTransactionRetry,
} from './index.js';

declare const dataSource1: typeorm1.DataSource;
declare const dataSource03: typeorm03.DataSource;

describe('@goneaway/typeorm public types', () => {
  it("goneAwayTypeorm's result is accepted by new DataSource on TypeORM 1.x and 0.3", () => {
    const options = goneAwayTypeorm({ type: 'mysql', host: 'db', username: 'app', entities: [] });
    expectTypeOf(options.type).toEqualTypeOf<'mysql'>();
    expectTypeOf(options.connectorPackage).toEqualTypeOf<'mysql2'>();
    expectTypeOf(new typeorm1.DataSource(options)).toEqualTypeOf<typeorm1.DataSource>();
    expectTypeOf(
      new typeorm03.DataSource(goneAwayTypeorm({ type: 'mariadb', url: 'mysql://db' })),
    ).toEqualTypeOf<typeorm03.DataSource>();
    const typed: typeorm1.DataSourceOptions = goneAwayTypeorm({ type: 'mysql', poolSize: 4 } as const);
    expectTypeOf(typed).not.toBeAny();
    expectTypeOf(goneAwayTypeorm)
      .parameter(1)
      .toEqualTypeOf<import('@goneaway/core').GoneAwayOptions | undefined>();
  });

  it("withTransactionRetry hands fn the DataSource's EntityManager and resolves with fn's result", () => {
    expectTypeOf(
      withTransactionRetry(dataSource1, async (manager) => {
        expectTypeOf(manager).toEqualTypeOf<typeorm1.EntityManager>();
        return 42;
      }),
    ).toEqualTypeOf<Promise<number>>();
    expectTypeOf(
      withTransactionRetry(dataSource03, async (manager) => {
        expectTypeOf(manager).toEqualTypeOf<typeorm03.EntityManager>();
        return 'done';
      }),
    ).toEqualTypeOf<Promise<string>>();
  });

  it('refuses what goneaway cannot work with', () => {
    // @ts-expect-error goneaway works through mysql2: only mysql and mariadb DataSources
    goneAwayTypeorm({ type: 'postgres', host: 'db' });
    // @ts-expect-error outageBudgetMs is a number of milliseconds
    goneAwayTypeorm({ type: 'mysql' }, { outageBudgetMs: '5s' });
    // @ts-expect-error not a DataSource
    void withTransactionRetry({}, async () => 1);
    // @ts-expect-error fn must return a promise
    void withTransactionRetry(dataSource1, () => 1);
    // @ts-expect-error the manager is TypeORM's EntityManager, not a string
    void withTransactionRetry(dataSource1, async (manager: string) => manager);
    // @ts-expect-error isolationLevel is a level's name, e.g. 'SERIALIZABLE'
    void withTransactionRetry(dataSource1, async () => 1, { isolationLevel: 4 });
  });

  it('withTransactionRetry takes commitMarker; its counters are typed', () => {
    void withTransactionRetry(dataSource1, async () => 1, { commitMarker: true });
    void withTransactionRetry(dataSource03, async () => 1, {
      commitMarker: { table: 'ops.commit_markers', pruneAfterMs: false, resolveTimeoutMs: 10_000 },
    });
    // @ts-expect-error commitMarker is true, false or its options
    void withTransactionRetry(dataSource1, async () => 1, { commitMarker: 'yes' });
    expectTypeOf(commitMarkerStats(dataSource1)).toEqualTypeOf<CommitMarkerStats | undefined>();
    expectTypeOf(flushCommitMarkers(dataSource03)).toEqualTypeOf<Promise<void>>();
  });

  it('guards narrow to the typed errors', () => {
    const error: unknown = new Error('x');
    if (isTransactionLost(error)) expectTypeOf(error).toEqualTypeOf<TransactionLostError>();
    if (isConnectionLost(error)) expectTypeOf(error.code).toBeString();
  });

  it('stats and events are typed', () => {
    expectTypeOf(stats(dataSource1)).toEqualTypeOf<TypeormGoneAwayStats>();
    expectTypeOf(stats(dataSource03).validationPings).toBeNumber();
    expectTypeOf(subscribeTo).parameter(1).toEqualTypeOf<(event: GoneAwayEvent) => void>();
    expectTypeOf(subscribeTo(dataSource1, () => {})).toEqualTypeOf<() => void>();
  });
});
