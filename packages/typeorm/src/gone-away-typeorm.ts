import { type GoneAwayOptions, parsePolicy } from '@goneaway/core';
import { configErrorAt, describeReceived } from '@goneaway/core/adapter';
import { assertCallbackMysql2Module } from '@goneaway/mysql2/adapter';
import mysql2 from 'mysql2';
import { assertSupportedTypeorm } from './assert-supported-typeorm.js';
import { createTypeormDriver, isGoneAwayTypeormDriver, type Mysql2CallbackModule } from './typeorm-driver.js';

/** The part of TypeORM's DataSource options goneaway reads (mysql and mariadb, TypeORM 0.3 and 1.x). */
export interface TypeormMysqlOptionsLike {
  readonly type: 'mysql' | 'mariadb';
  // biome-ignore lint/suspicious/noExplicitAny: TypeORM types its own `driver` option as `any`.
  readonly driver?: any;
  readonly connectorPackage?: 'mysql' | 'mysql2';
  readonly replication?: unknown;
}

/** What goneAwayTypeorm returns: the same options with goneaway's driver. */
export type GoneAwayTypeormOptions<O extends TypeormMysqlOptionsLike> = O & {
  // biome-ignore lint/suspicious/noExplicitAny: TypeORM types its own `driver` option as `any`.
  readonly driver: any;
  readonly connectorPackage: 'mysql2';
};

// TypeORM's other database types: echoed when given as `type` (they are goneaway's words, not the user's).
const OTHER_TYPES = [
  'postgres',
  'cockroachdb',
  'aurora-mysql',
  'aurora-postgres',
  'sqlite',
  'better-sqlite3',
  'sqljs',
  'mssql',
  'oracle',
  'sap',
  'spanner',
  'mongodb',
];

/**
 * Options for `new DataSource(...)` (type `mysql` or `mariadb`) whose connections are goneaway's:
 * TypeORM's `driver` option gets a wrapped mysql2 (your own mysql2 module when you passed one as
 * `driver`), and `connectorPackage` is `'mysql2'` (TypeORM 0.3 reads it; 1.x ignores it).
 *
 * ```ts
 * const dataSource = new DataSource(goneAwayTypeorm({ type: 'mysql', url, entities }));
 * ```
 */
export function goneAwayTypeorm<O extends TypeormMysqlOptionsLike>(
  dataSourceOptions: O,
  options?: GoneAwayOptions,
): GoneAwayTypeormOptions<O> {
  assertSupportedTypeorm();
  if (
    typeof dataSourceOptions !== 'object' ||
    dataSourceOptions === null ||
    Array.isArray(dataSourceOptions)
  ) {
    throw configErrorAt(
      'dataSourceOptions',
      "TypeORM DataSource options, e.g. { type: 'mysql', url, entities }",
      describeReceived(dataSourceOptions),
    );
  }
  const { type, driver, connectorPackage, replication } = dataSourceOptions as TypeormMysqlOptionsLike;
  if (type !== 'mysql' && type !== 'mariadb') {
    throw configErrorAt(
      'dataSourceOptions.type',
      "'mysql' or 'mariadb'",
      describeReceived(type, OTHER_TYPES),
    );
  }
  if (connectorPackage !== undefined && connectorPackage !== 'mysql2') {
    throw configErrorAt(
      'dataSourceOptions.connectorPackage',
      "'mysql2' or nothing (goneaway works through mysql2, not the mysql package)",
      describeReceived(connectorPackage, ['mysql']),
    );
  }
  if (replication !== undefined) {
    throw configErrorAt(
      'dataSourceOptions.replication',
      "no replication: TypeORM's replication is a mysql2 pool cluster, which goneaway does not wrap; for a primary and its replicas give both DataSources goneaway's `cluster`, the second with role: 'reader' (reads there go to the replicas)",
      'a replication setting',
    );
  }
  if (isGoneAwayTypeormDriver(driver)) {
    throw configErrorAt(
      'dataSourceOptions.driver',
      'options not already returned by goneAwayTypeorm (apply it once)',
      "goneaway's own driver",
    );
  }
  if (driver !== undefined) {
    assertCallbackMysql2Module(driver, {
      path: 'dataSourceOptions.driver',
      library: 'TypeORM',
      factories: ['createPool'],
    });
  }
  // Bad options are reported here, where the DataSource options are written, not at initialize().
  parsePolicy(options);
  const base = (driver ?? mysql2) as Mysql2CallbackModule;
  return {
    ...dataSourceOptions,
    driver: createTypeormDriver(base, options),
    connectorPackage: 'mysql2',
  };
}
