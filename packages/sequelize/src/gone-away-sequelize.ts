import type { GoneAwayOptions } from '@goneaway/core';
import { configErrorAt, describeReceived } from '@goneaway/core/adapter';
import type { Mysql2ModuleLike } from '@goneaway/mysql2';
import { assertCallbackMysql2Module } from '@goneaway/mysql2/adapter';
import mysql2 from 'mysql2';
import { adoptConnectionManager } from './adopt-connection-manager.js';
import { assertSupportedSequelize } from './assert-supported-sequelize.js';
import {
  type GoneAwayRetryOptions,
  goneAwayRetryOptions,
  type SequelizeRetryOptions,
} from './retry-options.js';
import { goneAwayOfDialectModule, SequelizeGoneAway } from './sequelize-goneaway.js';
import type { Mysql2Connection, SequelizeInstance } from './sequelize-internals.js';

/** The part of Sequelize 6's options goneaway reads (a Sequelize `Options` object is one). */
export interface SequelizeOptionsLike {
  /** `'mysql'` or nothing: goneaway works through mysql2 (Sequelize's mysql dialect talks to MariaDB too). */
  readonly dialect?: string;
  /** Your own mysql2 module, which goneaway wraps; mysql2 by default. */
  readonly dialectModule?: object;
  readonly dialectModulePath?: string;
  // `& object`: a pool, retry or options object sharing no key with these (`{ max: 4 }`) is accepted.
  readonly pool?: { readonly validate?: (connection?: unknown) => boolean } & object;
  readonly retry?: SequelizeRetryOptions & object;
  readonly hooks?: object;
  readonly replication?: unknown;
}

/** Sequelize's pool options as goneAwaySequelize returns them: yours, with goneaway's check before hand-out. */
export interface GoneAwaySequelizePoolOptions {
  readonly max?: number;
  readonly min?: number;
  readonly idle?: number;
  readonly acquire?: number;
  readonly evict?: number;
  readonly maxUses?: number;
  validate(connection?: unknown): boolean;
}

/** What goneAwaySequelize returns: the same options, with goneaway's dialectModule, pool check, retry and hook. */
export type GoneAwaySequelizeOptions<O extends SequelizeOptionsLike & object> = Omit<
  O,
  'dialect' | 'dialectModule' | 'pool' | 'retry' | 'hooks'
> & {
  readonly dialect: 'mysql';
  readonly dialectModule: object;
  readonly pool: GoneAwaySequelizePoolOptions;
  readonly retry: GoneAwayRetryOptions;
  readonly hooks: { beforeConnect(config: unknown): Promise<void> };
};

type Hook = (this: unknown, ...args: unknown[]) => unknown;

// Sequelize's other dialects: echoed when given as `dialect` (they are goneaway's words, not the user's).
const OTHER_DIALECTS = ['mariadb', 'postgres', 'sqlite', 'mssql', 'db2', 'snowflake', 'oracle', 'ibmi'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The user's own `hooks.beforeConnect`: one function or several, run after goneaway's. */
function hooksOf(value: unknown): Hook[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (!list.every((hook) => typeof hook === 'function')) {
    throw configErrorAt(
      'sequelizeOptions.hooks.beforeConnect',
      'a function or an array of functions',
      describeReceived(value),
    );
  }
  return list as Hook[];
}

/** Your mysql2 module as `dialectModule` (goneaway wraps that one), or mysql2. */
function mysql2Of(dialectModule: unknown): Mysql2ModuleLike {
  if (dialectModule === undefined || dialectModule === null) return mysql2 as Mysql2ModuleLike;
  if (goneAwayOfDialectModule(dialectModule) !== undefined) {
    throw configErrorAt(
      'sequelizeOptions.dialectModule',
      'options not already returned by goneAwaySequelize (apply it once)',
      "goneaway's own dialectModule",
    );
  }
  assertCallbackMysql2Module(dialectModule, {
    path: 'sequelizeOptions.dialectModule',
    library: 'Sequelize',
    factories: ['createConnection', 'createPool'],
  });
  return dialectModule as Mysql2ModuleLike;
}

/**
 * Options for `new Sequelize(...)` (Sequelize 6, mysql dialect) whose connections are goneaway's:
 * `dialectModule` is a wrapped mysql2 (your own, when you passed one), `pool.validate` checks a
 * connection before Sequelize's pool hands it out (yours runs first), `retry` runs again only what
 * may safely run again, and a `beforeConnect` hook (yours runs after it) gives the instance's
 * connection manager the waits Sequelize's options cannot express.
 *
 * ```ts
 * const sequelize = new Sequelize(goneAwaySequelize({ dialect: 'mysql', host, username, password, database }));
 * ```
 */
export function goneAwaySequelize<O extends SequelizeOptionsLike & object>(
  sequelizeOptions: O,
  options?: GoneAwayOptions,
): GoneAwaySequelizeOptions<O> {
  assertSupportedSequelize();
  if (!isPlainObject(sequelizeOptions)) {
    throw configErrorAt(
      'sequelizeOptions',
      "Sequelize options, e.g. { dialect: 'mysql', host, username, password, database }",
      describeReceived(sequelizeOptions),
    );
  }
  const { dialect, dialectModule, dialectModulePath, pool, retry, hooks, replication } =
    sequelizeOptions as SequelizeOptionsLike;
  if (dialect !== undefined && dialect !== 'mysql') {
    throw configErrorAt(
      'sequelizeOptions.dialect',
      dialect === 'mariadb'
        ? "'mysql': Sequelize's mariadb dialect drives the mariadb connector, goneaway drives mysql2; the mysql dialect talks to MariaDB servers too"
        : "'mysql' or nothing (goneaway works through mysql2)",
      describeReceived(dialect, OTHER_DIALECTS),
    );
  }
  if (dialectModulePath !== undefined && dialectModulePath !== null) {
    throw configErrorAt(
      'sequelizeOptions.dialectModulePath',
      'nothing (Sequelize would load that module instead of the dialectModule goneaway gives it)',
      describeReceived(dialectModulePath),
    );
  }
  if (replication !== undefined && replication !== false) {
    throw configErrorAt(
      'sequelizeOptions.replication',
      "no replication: Sequelize's replication sends reads to fixed hosts, whatever their lag, and goneaway routes one pool per instance; for a primary and its replicas give two Sequelize instances goneaway's `cluster`, the second with role: 'reader' (reads there go to the replicas within readers.maxLagMs)",
      'a replication setting',
    );
  }
  if (pool !== undefined && !isPlainObject(pool)) {
    throw configErrorAt(
      'sequelizeOptions.pool',
      "Sequelize's pool options, an object",
      describeReceived(pool),
    );
  }
  const userValidate = pool?.validate;
  if (userValidate !== undefined && typeof userValidate !== 'function') {
    throw configErrorAt(
      'sequelizeOptions.pool.validate',
      'a function or nothing',
      describeReceived(userValidate),
    );
  }
  if (retry !== undefined && !isPlainObject(retry)) {
    throw configErrorAt(
      'sequelizeOptions.retry',
      "Sequelize's retry options, an object",
      describeReceived(retry),
    );
  }
  if (retry?.match !== undefined) {
    throw configErrorAt(
      'sequelizeOptions.retry.match',
      'nothing: goneaway decides what runs again (a read, or a write that never reached the server); a match on connection errors runs again writes that may have run',
      'a retry.match',
    );
  }
  if (hooks !== undefined && !isPlainObject(hooks)) {
    throw configErrorAt('sequelizeOptions.hooks', "Sequelize's hooks, an object", describeReceived(hooks));
  }
  const userBeforeConnect = hooksOf((hooks as { beforeConnect?: unknown } | undefined)?.beforeConnect);
  // Bad goneaway options (and an unsupported mysql2) are reported here, where the Sequelize options
  // are written, not at the first query.
  const goneaway = new SequelizeGoneAway(mysql2Of(dialectModule), options);
  const validate = (connection?: unknown): boolean =>
    (userValidate === undefined || userValidate(connection)) &&
    goneaway.validate(connection as Mysql2Connection);
  // Sequelize runs it with the instance as `this`, before each connection it makes.
  async function beforeConnect(this: unknown, config: unknown): Promise<void> {
    adoptConnectionManager(this as SequelizeInstance, goneaway);
    for (const hook of userBeforeConnect) await hook.call(this, config);
  }
  return {
    ...sequelizeOptions,
    dialect: 'mysql',
    dialectModule: goneaway.dialectModule,
    pool: { ...pool, validate },
    retry: goneAwayRetryOptions(goneaway, retry),
    hooks: { ...hooks, beforeConnect },
  } as unknown as GoneAwaySequelizeOptions<O>;
}
