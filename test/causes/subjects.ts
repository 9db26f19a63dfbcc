import {
  findGoneAwayError,
  type GoneAwayEvent,
  type GoneAwayOptions,
  type GoneAwayStats,
  subscribe,
} from '@goneaway/core';
import * as goneawayKnex from '@goneaway/knex';
import * as goneawayMysql2 from '@goneaway/mysql2';
import * as goneawayPrisma from '@goneaway/prisma';
import * as goneawaySequelize from '@goneaway/sequelize';
import type { ConnectionInfo } from '@goneaway/test-harness';
import * as goneawayTypeorm from '@goneaway/typeorm';
import mysql2Promise from 'mysql2/promise';
import { QueryTypes } from 'sequelize';
import { type ExamplePrismaClient, generatePrismaClient } from '../../examples/prisma/generate-client.js';
import { open as openKnex } from '../knex/support.js';
import { clientFor } from '../prisma/support.js';
import { createSequelize } from '../sequelize/support.js';
import { createDataSource, type LoggedCalls, type ManagerLike, TYPEORMS } from '../typeorm/support.js';

/** Every cause is shown twice: through goneaway, and on the same library without it (the control). */
export type Side = 'goneaway' | 'bare';

export type Row = Record<string, unknown>;

/** The two tables every scenario writes to, the same for every subject (Prisma's Item maps `t`). */
export const TABLES_SQL = [
  'create table if not exists goneaway.t (id int auto_increment primary key, k varchar(64) not null, v int null, body longblob null)',
  'create table if not exists goneaway.blobs (id int auto_increment primary key, body longblob)',
];

export interface OpenOptions {
  readonly goneaway?: GoneAwayOptions;
  /** The pool's size (default 2). */
  readonly poolSize?: number;
  /** The library's own connect timeout (the bare side's only bound on a silent host). */
  readonly connectTimeoutMs?: number;
  /** How long mariadb's pool (under Prisma) waits for a connection; the others have no such wait. */
  readonly acquireTimeoutMs?: number;
}

/** What a statement inside a transaction can do. */
export interface TransactionCalls {
  read(sql: string): Promise<Row[]>;
  /** One row of `t` through the library's model or query builder. */
  insert(k: string, v: number): Promise<void>;
}

/** The adapter's counters: core's, plus the pool's validation pings and connect attempts. */
export type SubjectStats = GoneAwayStats & {
  readonly validationPings?: number;
  readonly connectAttempts?: unknown;
};

/** One pool of a subject, on either side, with the calls the scenarios make. Connects lazily. */
export interface Opened {
  readonly side: Side;
  /** goneaway's events (always empty on the bare side). */
  readonly events: GoneAwayEvent[];
  /** What the library wrote to its own logger (knex's log, TypeORM's logger). */
  logged(): string[];
  /** Rows of a raw statement; integers as numbers whatever the driver returns. */
  read(sql: string, params?: unknown[]): Promise<Row[]>;
  /** A raw statement whose rows do not matter (a write). */
  execute(sql: string, params?: unknown[]): Promise<void>;
  /** One row of `t` through the library's model or query builder. */
  insert(k: string, v: number): Promise<void>;
  /** Rows of `t` with key `k`, counted through the library's model or query builder. */
  count(k: string): Promise<number>;
  /** A BLOB through the library's model or query builder. */
  insertBlob(body: Buffer): Promise<void>;
  /** The library's own transaction: BEGIN, `body`, COMMIT (ROLLBACK when `body` throws). */
  transaction<T>(body: (tx: TransactionCalls) => Promise<T>): Promise<T>;
  /** goneaway's withTransactionRetry (goneaway side only). */
  withTransactionRetry<T>(body: (tx: TransactionCalls) => Promise<T>): Promise<T>;
  /** goneaway's counters (goneaway side only). */
  stats(): SubjectStats;
  close(): Promise<void>;
}

/** An adapter the cause scenarios run on: its library wrapped by goneaway, and bare. */
export interface CauseSubject {
  readonly name: string;
  /** A short tag for row keys. */
  readonly tag: string;
  open(side: Side, connection: ConnectionInfo, options?: OpenOptions): Promise<Opened>;
}

/** The code an application reads off what it caught: goneaway's, else the library's or the driver's. */
export function codeOf(error: unknown): string | undefined {
  const ours = findGoneAwayError(error);
  if (ours !== undefined) return ours.code;
  const e = error as
    | { code?: unknown; errno?: unknown; original?: { code?: unknown; errno?: unknown } }
    | undefined;
  const code = e?.original?.code ?? e?.original?.errno ?? e?.code ?? e?.errno;
  return code === undefined ? undefined : String(code);
}

/**
 * goneaway's typed fields as the application reaches them: on goneaway's error (or a copy TypeORM
 * made), on Sequelize's `original`, in Prisma's `meta.goneaway`.
 */
export function goneawayFieldsOf(error: unknown): Record<string, unknown> | undefined {
  const meta = (error as { meta?: { goneaway?: Record<string, unknown> } } | undefined)?.meta?.goneaway;
  return meta ?? (findGoneAwayError(error) as unknown as Record<string, unknown> | undefined);
}

/** bigint and numeric strings from the drivers become numbers, so every subject's rows compare alike. */
function normalized(rows: unknown): Row[] {
  return (rows as Row[]).map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value]),
    ),
  );
}

function notOnBare(what: string): never {
  throw new Error(`${what} is goneaway's; the bare side has none`);
}

/** knex(goneAway(config)) on mysql2. */
export const KNEX: CauseSubject = {
  name: 'knex (goneAway(config))',
  tag: 'knex',
  async open(side, connection, options) {
    const { db, lines, events } = openKnex(
      side,
      {
        connection: {
          ...connection,
          ...(options?.connectTimeoutMs === undefined ? {} : { connectTimeout: options.connectTimeoutMs }),
        },
        pool: { min: 0, max: options?.poolSize ?? 2 },
      },
      options?.goneaway,
    );
    const txCalls = (trx: typeof db): TransactionCalls => ({
      read: async (sql) => normalized((await trx.raw(sql))[0]),
      insert: async (k, v) => {
        await trx('t').insert({ k, v });
      },
    });
    return {
      side,
      events,
      logged: () => lines,
      read: async (sql, params = []) => normalized((await db.raw(sql, params as never))[0]),
      execute: async (sql, params = []) => {
        await db.raw(sql, params as never);
      },
      insert: async (k, v) => {
        await db('t').insert({ k, v });
      },
      count: async (k) => Number((await db('t').where({ k }).count({ n: '*' }))[0]?.n),
      insertBlob: async (body) => {
        await db('blobs').insert({ body });
      },
      transaction: (body) => db.transaction((trx) => body(txCalls(trx))),
      withTransactionRetry: (body) =>
        side === 'goneaway'
          ? goneawayKnex.withTransactionRetry(db, (trx) => body(txCalls(trx)))
          : notOnBare('withTransactionRetry'),
      stats: () => (side === 'goneaway' ? goneawayKnex.stats(db) : notOnBare('stats')),
      close: () => db.destroy(),
    };
  },
};

/** A mysql2 promise pool through goneAwayMysql2 (what Kysely and Drizzle run on). */
export const MYSQL2: CauseSubject = {
  name: '@goneaway/mysql2 (promise pool)',
  tag: 'mysql2',
  async open(side, connection, options) {
    const driver =
      side === 'goneaway' ? goneawayMysql2.goneAwayMysql2(mysql2Promise, options?.goneaway) : mysql2Promise;
    const pool = driver.createPool({
      ...connection,
      connectionLimit: options?.poolSize ?? 2,
      ...(options?.connectTimeoutMs === undefined ? {} : { connectTimeout: options.connectTimeoutMs }),
    });
    const events: GoneAwayEvent[] = [];
    if (side === 'goneaway') goneawayMysql2.subscribeTo(pool, (event) => events.push(event));
    const txCalls = (held: mysql2Promise.PoolConnection): TransactionCalls => ({
      read: async (sql) => normalized((await held.query(sql))[0]),
      insert: async (k, v) => {
        await held.query('insert into t (k, v) values (?, ?)', [k, v]);
      },
    });
    return {
      side,
      events,
      logged: () => [],
      read: async (sql, params = []) => normalized((await pool.query(sql, params))[0]),
      execute: async (sql, params = []) => {
        await pool.query(sql, params);
      },
      insert: async (k, v) => {
        await pool.query('insert into t (k, v) values (?, ?)', [k, v]);
      },
      count: async (k) =>
        Number(normalized((await pool.query('select count(*) as n from t where k = ?', [k]))[0])[0]?.n),
      insertBlob: async (body) => {
        await pool.query('insert into blobs (body) values (?)', [body]);
      },
      // As Kysely and Drizzle do: a held connection, BEGIN, the body, COMMIT, and that very object released.
      async transaction(body) {
        const held = await pool.getConnection();
        try {
          await held.beginTransaction();
          const result = await body(txCalls(held));
          await held.commit();
          return result;
        } catch (error) {
          await held.rollback().catch(() => undefined);
          throw error;
        } finally {
          held.release();
        }
      },
      withTransactionRetry: (body) =>
        side === 'goneaway'
          ? goneawayMysql2.withTransactionRetry(pool, (held) => body(txCalls(held)))
          : notOnBare('withTransactionRetry'),
      stats: () => (side === 'goneaway' ? goneawayMysql2.stats(pool) : notOnBare('stats')),
      close: () => pool.end(),
    };
  },
};

type TypeormModule = (typeof TYPEORMS)[number]['orm'];

/**
 * The events a DataSource's first connection emits (limits-discovered, limit-capped) come before
 * subscribeTo() can reach its pool: they are taken from the process-wide channel, by the instance
 * name each goneaway DataSource gets here.
 */
let typeormInstances = 0;

function typeormSubject(label: string, tag: string, orm: TypeormModule): CauseSubject {
  return {
    name: `@goneaway/typeorm (${label})`,
    tag,
    async open(side, connection, options) {
      const logged: LoggedCalls = { calls: [] };
      const name = `${tag}-${++typeormInstances}`;
      const dataSource = createDataSource(orm, side, {
        connection,
        poolSize: options?.poolSize ?? 2,
        logged,
        options: { ...options?.goneaway, name },
        ...(options?.connectTimeoutMs === undefined
          ? {}
          : { dataSourceOptions: { connectTimeout: options.connectTimeoutMs } }),
      });
      const events: GoneAwayEvent[] = [];
      let ready: Promise<void> | undefined;
      const initialized = () => {
        ready ??= (async () => {
          const early: GoneAwayEvent[] = [];
          const unsubscribe =
            side === 'goneaway'
              ? subscribe((event) => {
                  if (event.source === name) early.push(event);
                })
              : () => undefined;
          try {
            await dataSource.initialize();
          } finally {
            unsubscribe();
          }
          if (side === 'goneaway') {
            events.push(...early);
            goneawayTypeorm.subscribeTo(dataSource, (event) => events.push(event));
          }
        })();
        return ready;
      };
      const txCalls = (manager: ManagerLike): TransactionCalls => ({
        read: async (sql) => normalized(await manager.query(sql)),
        insert: async (k, v) => {
          await manager.getRepository('Row').insert({ k, v });
        },
      });
      return {
        side,
        events,
        logged: () => logged.calls,
        read: async (sql, params) => {
          await initialized();
          return normalized(await dataSource.query(sql, params));
        },
        execute: async (sql, params) => {
          await initialized();
          await dataSource.query(sql, params);
        },
        insert: async (k, v) => {
          await initialized();
          await dataSource.getRepository('Row').insert({ k, v });
        },
        count: async (k) => {
          await initialized();
          return dataSource.getRepository('Row').count({ where: { k } });
        },
        insertBlob: async (body) => {
          await initialized();
          await dataSource.getRepository('Blob').insert({ body });
        },
        transaction: async (body) => {
          await initialized();
          return dataSource.transaction((manager) => body(txCalls(manager)));
        },
        withTransactionRetry: async (body) => {
          if (side !== 'goneaway') notOnBare('withTransactionRetry');
          await initialized();
          return goneawayTypeorm.withTransactionRetry(dataSource, (manager) => body(txCalls(manager)));
        },
        stats: () => (side === 'goneaway' ? goneawayTypeorm.stats(dataSource) : notOnBare('stats')),
        close: async () => {
          await ready?.catch(() => undefined);
          if (dataSource.isInitialized) await dataSource.destroy();
        },
      };
    },
  };
}

/** TypeORM 1.x through goneAwayTypeorm. */
export const TYPEORM_1 = typeormSubject('TypeORM 1.x', 'typeorm1', TYPEORMS[0].orm);
/** TypeORM 0.3 through goneAwayTypeorm. */
export const TYPEORM_03 = typeormSubject('TypeORM 0.3', 'typeorm03', TYPEORMS[1].orm);

// One generated client per test file (process), made on first use: `prisma generate` takes seconds.
let prismaClientClass: ReturnType<typeof generatePrismaClient> | undefined;

/** Prisma on @prisma/adapter-mariadb through withGoneaway(). */
export const PRISMA: CauseSubject = {
  name: '@goneaway/prisma (adapter-mariadb)',
  tag: 'prisma',
  async open(side, connection, options) {
    prismaClientClass ??= generatePrismaClient();
    const { PrismaClient } = await prismaClientClass;
    const { prisma, adapter } = clientFor(
      PrismaClient,
      side,
      {
        ...connection,
        connectionLimit: options?.poolSize ?? 2,
        ...(options?.connectTimeoutMs === undefined ? {} : { connectTimeout: options.connectTimeoutMs }),
        ...(options?.acquireTimeoutMs === undefined ? {} : { acquireTimeout: options.acquireTimeoutMs }),
      },
      options?.goneaway,
    );
    const events: GoneAwayEvent[] = [];
    if (side === 'goneaway') goneawayPrisma.subscribeTo(adapter, (event) => events.push(event));
    const txCalls = (tx: ExamplePrismaClient): TransactionCalls => ({
      read: async (sql) => normalized(await tx.$queryRawUnsafe(sql)),
      insert: async (k, v) => {
        await tx.item.create({ data: { k, v } });
      },
    });
    return {
      side,
      events,
      logged: () => [],
      read: async (sql, params = []) => normalized(await prisma.$queryRawUnsafe(sql, ...params)),
      execute: async (sql, params = []) => {
        await prisma.$executeRawUnsafe(sql, ...params);
      },
      insert: async (k, v) => {
        await prisma.item.create({ data: { k, v } });
      },
      count: (k) => prisma.item.count({ where: { k } }),
      insertBlob: async (body) => {
        await prisma.item.create({ data: { k: 'blob', body } });
      },
      transaction: (body) => prisma.$transaction((tx) => body(txCalls(tx))),
      withTransactionRetry: (body) =>
        side === 'goneaway'
          ? goneawayPrisma.withTransactionRetry(prisma, (tx) => body(txCalls(tx as ExamplePrismaClient)))
          : notOnBare('withTransactionRetry'),
      stats: () => (side === 'goneaway' ? goneawayPrisma.stats(adapter) : notOnBare('stats')),
      close: () => prisma.$disconnect(),
    };
  },
};

/** Sequelize 6 (mysql dialect) through goneAwaySequelize. */
export const SEQUELIZE: CauseSubject = {
  name: '@goneaway/sequelize (Sequelize 6)',
  tag: 'sequelize',
  async open(side, connection, options) {
    const { sequelize, Row, Blob } = createSequelize(side, {
      connection,
      poolMax: options?.poolSize ?? 2,
      ...(options?.goneaway === undefined ? {} : { options: options.goneaway }),
      ...(options?.connectTimeoutMs === undefined
        ? {}
        : { sequelizeOptions: { dialectOptions: { connectTimeout: options.connectTimeoutMs } } }),
    });
    const events: GoneAwayEvent[] = [];
    if (side === 'goneaway') goneawaySequelize.subscribeTo(sequelize, (event) => events.push(event));
    const txCalls = (transaction: goneawaySequelize.TransactionOf<typeof sequelize>): TransactionCalls => ({
      read: async (sql) =>
        normalized(
          await sequelize.query(sql, { transaction: transaction as never, type: QueryTypes.SELECT }),
        ),
      insert: async (k, v) => {
        await Row.create({ k, v }, { transaction: transaction as never });
      },
    });
    return {
      side,
      events,
      logged: () => [],
      read: async (sql, params = []) =>
        normalized(await sequelize.query(sql, { replacements: params, type: QueryTypes.SELECT })),
      execute: async (sql, params = []) => {
        await sequelize.query(sql, { replacements: params });
      },
      insert: async (k, v) => {
        await Row.create({ k, v });
      },
      count: (k) => Row.count({ where: { k } }),
      insertBlob: async (body) => {
        await Blob.create({ body });
      },
      transaction: (body) => sequelize.transaction((transaction) => body(txCalls(transaction as never))),
      withTransactionRetry: (body) =>
        side === 'goneaway'
          ? goneawaySequelize.withTransactionRetry(sequelize, (transaction) => body(txCalls(transaction)))
          : notOnBare('withTransactionRetry'),
      stats: () => (side === 'goneaway' ? goneawaySequelize.stats(sequelize) : notOnBare('stats')),
      close: () => sequelize.close(),
    };
  },
};

/** Every adapter, in the order the scenarios list them. */
export const SUBJECTS: readonly CauseSubject[] = [KNEX, MYSQL2, TYPEORM_1, TYPEORM_03, PRISMA, SEQUELIZE];
