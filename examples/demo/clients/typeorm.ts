import { goneAwayTypeorm, stats } from '@goneaway/typeorm';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import type { AppDb, AppQueries, DemoClient, OpenOptions, Row } from './app-db.js';
import { activityOf } from './app-db.js';

/** The application's own DataSource options: what a typical service writes, nothing tuned for the demo. */
export function typeormAppOptions(options: OpenOptions) {
  const { host, port, user, password, database } = options.connection;
  return {
    type: 'mysql' as const,
    host,
    port,
    username: user,
    password,
    database,
    poolSize: options.pool?.max ?? 10,
    entities: [],
  };
}

function queriesOf(runner: DataSource | EntityManager): AppQueries {
  return {
    read: (sql) => runner.query(sql) as Promise<Row[]>,
    write: async (sql, params = []) => {
      await runner.query(sql, [...params]);
    },
  };
}

/**
 * A DataSource initialised on first use, as an application does at start-up: a failed start (wrong
 * password, server down) is the first call's error, and the next call tries again.
 */
function appDbOf(dataSource: DataSource): AppDb {
  let starting: Promise<DataSource> | undefined;
  const ready = (): Promise<DataSource> => {
    if (dataSource.isInitialized) return Promise.resolve(dataSource);
    starting ??= dataSource.initialize().catch((error: unknown) => {
      starting = undefined;
      throw error;
    });
    return starting;
  };
  return {
    read: async (sql) => queriesOf(await ready()).read(sql),
    write: async (sql, params) => queriesOf(await ready()).write(sql, params),
    transaction: async (work) => {
      await (await ready()).transaction((manager) => work(queriesOf(manager)));
    },
  };
}

/** TypeORM 1.x with its mysql driver: bare `new DataSource(options)`, or `new DataSource(goneAwayTypeorm(options))`. */
export const typeormClient: DemoClient = {
  id: 'typeorm',
  labels: { bare: 'bare TypeORM', goneaway: 'TypeORM + goneaway' },
  open(side, options) {
    const appOptions = typeormAppOptions(options);
    const dataSource = new DataSource(
      (side === 'goneaway' ? goneAwayTypeorm(appOptions) : appOptions) as DataSourceOptions,
    );
    return {
      db: appDbOf(dataSource),
      activity: () =>
        side === 'goneaway' && dataSource.isInitialized ? activityOf(stats(dataSource)) : undefined,
      destroy: async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
      },
    };
  },
};
