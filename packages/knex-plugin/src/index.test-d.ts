import type { Knex } from 'knex';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type GoneAwayConfigError,
  type GoneAwayEvent,
  goneAway,
  goneAwayKnex,
  isConnectionLost,
  isGoneAwayConfigError,
  isTransactionLost,
  type KnexGoneAwayStats,
  stats,
  subscribeTo,
  type TransactionLostError,
  withTransactionRetry,
} from './index.js';

declare const db: Knex;

describe('@goneaway/knex public types', () => {
  it('goneAway keeps the config type the caller passed', () => {
    const config = {
      client: 'mysql2',
      connection: { host: 'db' },
      pool: { min: 0, max: 4 },
    } satisfies Knex.Config;
    expectTypeOf(goneAway(config)).toEqualTypeOf<typeof config>();
    expectTypeOf(goneAway).parameter(1).toEqualTypeOf<import('@goneaway/core').GoneAwayOptions | undefined>();
  });

  it('withTransactionRetry resolves with the callback result and takes the transaction', () => {
    expectTypeOf(
      withTransactionRetry(db, async (trx) => {
        expectTypeOf(trx).toEqualTypeOf<Knex.Transaction>();
        return 42;
      }),
    ).toEqualTypeOf<Promise<number>>();
  });

  it('goneAwayKnex is goneAway under the name every package follows', () => {
    expectTypeOf(goneAwayKnex).toEqualTypeOf(goneAway);
  });

  it('guards narrow to the typed errors', () => {
    const error: unknown = new Error('x');
    if (isGoneAwayConfigError(error)) expectTypeOf(error).toEqualTypeOf<GoneAwayConfigError>();
    if (isTransactionLost(error)) expectTypeOf(error).toEqualTypeOf<TransactionLostError>();
    if (isConnectionLost(error)) expectTypeOf(error.code).toBeString();
  });

  it('stats and events are typed', () => {
    expectTypeOf(stats(db)).toEqualTypeOf<KnexGoneAwayStats>();
    expectTypeOf(stats(db).validationPings).toBeNumber();
    expectTypeOf(subscribeTo).parameter(1).toEqualTypeOf<(event: GoneAwayEvent) => void>();
    expectTypeOf(subscribeTo(db, () => {})).toEqualTypeOf<() => void>();
  });
});
