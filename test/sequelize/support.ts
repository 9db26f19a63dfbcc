import { findGoneAwayError, type GoneAwayOptions, goneAwaySequelize } from '@goneaway/sequelize';
import type { ConnectionInfo } from '@goneaway/test-harness';
import { DataTypes, type Model, type ModelStatic, type Options, Sequelize } from 'sequelize';

export { codeOf, describeWithOwnServer, killWhenRunning, sleep, waitFor } from '@goneaway/test-harness';

export type Side = 'bare' | 'goneaway';

export interface SequelizeSetup {
  readonly connection: ConnectionInfo;
  /** Sequelize's `pool.max` (default 2). */
  readonly poolMax?: number;
  readonly options?: GoneAwayOptions;
  /** More Sequelize options, the same on both sides. */
  readonly sequelizeOptions?: Partial<Options>;
}

export interface TestDb {
  readonly sequelize: Sequelize;
  /** Table goneaway.t: id, k, v. */
  readonly Row: ModelStatic<Model>;
  /** Table goneaway.blobs: id, body (LONGBLOB). */
  readonly Blob: ModelStatic<Model>;
}

/** The application's own Sequelize options: what a typical service writes, logging off. */
export function appOptions(setup: SequelizeSetup): Options {
  const { host, port, user, password, database } = setup.connection;
  return {
    dialect: 'mysql',
    host,
    port,
    username: user,
    password,
    database,
    pool: { max: setup.poolMax ?? 2 },
    logging: false,
    ...setup.sequelizeOptions,
  };
}

/** A Sequelize instance with the test models: bare, or through goneAwaySequelize. */
export function createSequelize(side: Side, setup: SequelizeSetup): TestDb {
  const options = appOptions(setup);
  const sequelize = new Sequelize(side === 'bare' ? options : goneAwaySequelize(options, setup.options));
  const Row = sequelize.define(
    'Row',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      k: { type: DataTypes.STRING(64), allowNull: false },
      v: { type: DataTypes.INTEGER, allowNull: true },
    },
    { tableName: 't', timestamps: false },
  );
  const Blob = sequelize.define(
    'Blob',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      body: { type: DataTypes.BLOB('long') },
    },
    { tableName: 'blobs', timestamps: false },
  );
  return { sequelize, Row, Blob };
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

/**
 * The code an application reads off a Sequelize error: goneaway's (Sequelize keeps it as `original`),
 * else the driver's, else Sequelize's class name.
 */
export function codeOfSequelizeError(error: unknown): string {
  const ours = findGoneAwayError(error);
  if (ours !== undefined) return ours.code;
  const original = (error as { original?: { code?: unknown; errno?: unknown } } | undefined)?.original;
  const code = original?.code ?? original?.errno ?? (error as { code?: unknown } | undefined)?.code;
  return code === undefined ? String((error as Error | undefined)?.name) : String(code);
}

/** `select connection_id()` through Sequelize. */
export async function connectionIdOf(sequelize: Sequelize): Promise<number> {
  const [rows] = await sequelize.query('select connection_id() as id');
  return Number((rows as Array<{ id: number }>)[0]?.id);
}
