import type { ConnectionInfo } from '@goneaway/test-harness';
import { type GoneAwayOptions, goneAwayTypeorm } from '@goneaway/typeorm';
import * as typeorm1 from 'typeorm';
import * as typeorm03 from 'typeorm-03';

export { codeOf, describeWithOwnServer, killWhenRunning, sleep, waitFor } from '@goneaway/test-harness';

/** The few TypeORM calls the tests make, the same on 0.3 and 1.x. */
export interface DataSourceLike {
  initialize(): Promise<unknown>;
  destroy(): Promise<void>;
  readonly isInitialized: boolean;
  readonly options: { readonly driver?: unknown };
  readonly manager: ManagerLike;
  query<T = Array<Record<string, unknown>>>(sql: string, parameters?: unknown[]): Promise<T>;
  transaction<T>(fn: (manager: ManagerLike) => Promise<T>): Promise<T>;
  getRepository(target: string): RepositoryLike;
}
export interface ManagerLike {
  query<T = Array<Record<string, unknown>>>(sql: string, parameters?: unknown[]): Promise<T>;
  getRepository(target: string): RepositoryLike;
}
export interface RepositoryLike {
  insert(values: Record<string, unknown>): Promise<unknown>;
  find(options?: Record<string, unknown>): Promise<Array<Record<string, unknown>>>;
  count(options?: Record<string, unknown>): Promise<number>;
}
interface TypeormModule {
  readonly DataSource: new (options: never) => DataSourceLike;
  readonly EntitySchema: new (options: never) => unknown;
}

/** The goneaway side runs on both majors; the bare control on 1.x (the measurements). */
export const TYPEORMS = [
  { label: 'TypeORM 1.x', orm: typeorm1 as unknown as TypeormModule },
  { label: 'TypeORM 0.3', orm: typeorm03 as unknown as TypeormModule },
] as const;
export const BARE_TYPEORM = TYPEORMS[0];

export type Side = 'bare' | 'goneaway';

/** Calls TypeORM makes to its logger, apart from the query log: what it would print. */
export interface LoggedCalls {
  readonly calls: string[];
}

function recordingLogger(record: LoggedCalls) {
  return {
    logQuery: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    logQueryError: (error: unknown) => record.calls.push(`query error: ${String(error).slice(0, 80)}`),
    logQuerySlow: () => undefined,
    log: (level: string, message: unknown) => {
      if (level === 'warn' || level === 'info')
        record.calls.push(`${level}: ${String(message).slice(0, 80)}`);
    },
  };
}

export interface DataSourceSetup {
  readonly connection: ConnectionInfo;
  readonly poolSize?: number;
  readonly options?: GoneAwayOptions;
  readonly logged?: LoggedCalls;
  /** More DataSource options (e.g. `enableQueryTimeout`), the same on both sides. */
  readonly dataSourceOptions?: Record<string, unknown>;
}

/** A DataSource (not initialized) with the test entities: bare TypeORM, or through goneAwayTypeorm. */
export function createDataSource(orm: TypeormModule, side: Side, setup: DataSourceSetup): DataSourceLike {
  const { connection } = setup;
  const row = new orm.EntitySchema({
    name: 'Row',
    tableName: 't',
    columns: {
      id: { type: Number, primary: true, generated: 'increment' },
      k: { type: String, length: 64 },
      v: { type: Number, nullable: true },
    },
  } as never);
  const blob = new orm.EntitySchema({
    name: 'Blob',
    tableName: 'blobs',
    columns: {
      id: { type: Number, primary: true, generated: 'increment' },
      body: { type: 'longblob' },
    },
  } as never);
  const options = {
    type: 'mariadb' as const,
    host: connection.host,
    port: connection.port,
    username: connection.user,
    password: connection.password,
    database: connection.database,
    entities: [row, blob],
    poolSize: setup.poolSize ?? 2,
    synchronize: false,
    logging: true,
    logger: recordingLogger(setup.logged ?? { calls: [] }),
    ...setup.dataSourceOptions,
  };
  return new orm.DataSource((side === 'bare' ? options : goneAwayTypeorm(options, setup.options)) as never);
}

export const TABLES_SQL = [
  'create table if not exists goneaway.t (id int auto_increment primary key, k varchar(64) not null, v int)',
  'create table if not exists goneaway.blobs (id int auto_increment primary key, body longblob)',
];

/** Resolves to the error a promise rejects with, or to `undefined` when it fulfils. */
export function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}
