import { type Options, Sequelize, type Transaction } from 'sequelize';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type GoneAwayEvent,
  goneAwaySequelize,
  isConnectionLost,
  isTransactionLost,
  type SequelizeGoneAwayStats,
  stats,
  subscribeTo,
  type TransactionLostError,
  withTransactionRetry,
} from './index.js';

declare const sequelize: Sequelize;

describe('@goneaway/sequelize public types', () => {
  it("goneAwaySequelize's result is accepted by new Sequelize, and a Sequelize Options object is accepted by it", () => {
    const options = goneAwaySequelize({ dialect: 'mysql', host: 'db', username: 'app', pool: { max: 4 } });
    expectTypeOf(options.dialect).toEqualTypeOf<'mysql'>();
    expectTypeOf(options.host).toEqualTypeOf<string>();
    expectTypeOf(new Sequelize(options)).toEqualTypeOf<Sequelize>();
    expectTypeOf(
      new Sequelize('app', 'user', 'pw', goneAwaySequelize({ host: 'db' })),
    ).toEqualTypeOf<Sequelize>();
    const written: Options = { dialect: 'mysql', host: 'db', logging: false, retry: { max: 3 } };
    const typed: Options = goneAwaySequelize(written);
    expectTypeOf(typed).not.toBeAny();
    expectTypeOf(goneAwaySequelize)
      .parameter(1)
      .toEqualTypeOf<import('@goneaway/core').GoneAwayOptions | undefined>();
  });

  it("withTransactionRetry hands fn Sequelize's Transaction and resolves with fn's result", () => {
    expectTypeOf(
      withTransactionRetry(sequelize, async (transaction) => {
        expectTypeOf(transaction).toEqualTypeOf<Transaction>();
        return 42;
      }),
    ).toEqualTypeOf<Promise<number>>();
    expectTypeOf(
      withTransactionRetry(sequelize, async () => 'done', { isolationLevel: 'SERIALIZABLE', maxAttempts: 2 }),
    ).toEqualTypeOf<Promise<string>>();
  });

  it('refuses what goneaway cannot work with', () => {
    // @ts-expect-error outageBudgetMs is a number of milliseconds
    goneAwaySequelize({ dialect: 'mysql' }, { outageBudgetMs: '5s' });
    // @ts-expect-error Sequelize options are an object
    goneAwaySequelize('mysql://db');
    // @ts-expect-error not a Sequelize instance
    void withTransactionRetry({}, async () => 1);
    // @ts-expect-error fn must return a promise
    void withTransactionRetry(sequelize, () => 1);
    // @ts-expect-error the transaction is Sequelize's Transaction, not a string
    void withTransactionRetry(sequelize, async (transaction: string) => transaction);
    // @ts-expect-error isolationLevel is a level's name, e.g. 'SERIALIZABLE'
    void withTransactionRetry(sequelize, async () => 1, { isolationLevel: 4 });
  });

  it('guards narrow to the typed errors', () => {
    const error: unknown = new Error('x');
    if (isTransactionLost(error)) expectTypeOf(error).toEqualTypeOf<TransactionLostError>();
    if (isConnectionLost(error)) expectTypeOf(error.code).toBeString();
  });

  it('stats and events are typed', () => {
    expectTypeOf(stats(sequelize)).toEqualTypeOf<SequelizeGoneAwayStats>();
    expectTypeOf(stats(sequelize).validationPings).toBeNumber();
    expectTypeOf(subscribeTo).parameter(1).toEqualTypeOf<(event: GoneAwayEvent) => void>();
    expectTypeOf(subscribeTo(sequelize, () => {})).toEqualTypeOf<() => void>();
  });
});
