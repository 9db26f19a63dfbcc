import { goneAwaySequelize, stats } from '@goneaway/sequelize';
import { type Options, QueryTypes, Sequelize, type Transaction } from 'sequelize';
import type { AppDb, AppQueries, DemoClient, OpenOptions, Row } from './app-db.js';
import { activityOf } from './app-db.js';

/** The application's own Sequelize options: what a typical service writes, nothing tuned for the demo. */
export function sequelizeAppOptions(options: OpenOptions): Options {
  const { host, port, user, password, database } = options.connection;
  return {
    dialect: 'mysql',
    host,
    port,
    username: user,
    password,
    database,
    pool: { max: options.pool?.max ?? 5, min: options.pool?.min ?? 0 },
    logging: false,
  };
}

function queriesOf(sequelize: Sequelize, transaction?: Transaction): AppQueries {
  return {
    read: (sql) =>
      sequelize.query<Row>(sql, { type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) }),
    write: async (sql, params = []) => {
      await sequelize.query(sql, { replacements: [...params], ...(transaction ? { transaction } : {}) });
    },
  };
}

/** Sequelize 6, mysql dialect: bare `new Sequelize(options)`, or `new Sequelize(goneAwaySequelize(options))`. */
export const sequelizeClient: DemoClient = {
  id: 'sequelize',
  labels: { bare: 'bare Sequelize', goneaway: 'Sequelize + goneaway' },
  open(side, options) {
    const appOptions = sequelizeAppOptions(options);
    const sequelize = new Sequelize(side === 'goneaway' ? goneAwaySequelize(appOptions) : appOptions);
    const db: AppDb = {
      ...queriesOf(sequelize),
      transaction: async (work) => {
        await sequelize.transaction((transaction) => work(queriesOf(sequelize, transaction)));
      },
    };
    return {
      db,
      activity: () => (side === 'goneaway' ? activityOf(stats(sequelize)) : undefined),
      destroy: () => sequelize.close(),
    };
  },
};
