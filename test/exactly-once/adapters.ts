import type {
  CommitMarkerOptions,
  CommitMarkerStats,
  GoneAwayEvent,
  GoneAwayOptions,
  TransactionRetryOptions,
} from '@goneaway/core';
import * as goneawayMysql2 from '@goneaway/mysql2';
import * as goneawayPrisma from '@goneaway/prisma';
import type { FaultProxy, MariaDBServer } from '@goneaway/test-harness';
import * as goneawayTypeorm from '@goneaway/typeorm';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import mysql2Promise from 'mysql2/promise';
import * as typeorm1 from 'typeorm';
import * as typeorm03 from 'typeorm-03';
import { type ExamplePrismaClient, generatePrismaClient } from '../../examples/prisma/generate-client.js';

/** One ledger row, written inside the transaction by the adapter's own means. */
export type LedgerInsert = (k: string, amount: number) => Promise<void>;

export interface SubjectTransactionOptions<T> extends TransactionRetryOptions<T> {
  readonly commitMarker?: boolean | CommitMarkerOptions;
}

export interface SubjectOptions {
  readonly goneaway?: GoneAwayOptions;
  /**
   * The client gives up on a statement after this long, its own way (goneaway's statementTimeoutMs
   * for mysql2 and TypeORM; mariadb's socketTimeout under Prisma): a COMMIT held in the network is
   * then lost on the client's side while the server still waits for it.
   */
  readonly clientTimeoutMs?: number;
  /** Another database user than the server's application user. */
  readonly credentials?: { readonly user: string; readonly password: string };
}

/** An adapter opened on a private server, through the fault proxy, with the calls the scenarios make. */
export interface OpenedSubject {
  readonly events: GoneAwayEvent[];
  /** The adapter's withTransactionRetry; `body` gets the transaction's ledger insert. */
  withTransactionRetry<T>(
    body: (insert: LedgerInsert) => Promise<T>,
    options?: SubjectTransactionOptions<T>,
  ): Promise<T>;
  commitMarkerStats(table?: string): CommitMarkerStats | undefined;
  flushCommitMarkers(): Promise<void>;
  /** Flushes the markers, then closes the pool. */
  close(): Promise<void>;
}

/** An adapter the exactly-once scenarios run on. */
export interface ExactlyOnceSubject {
  readonly name: string;
  /** A short tag for ledger keys, so that subjects sharing one server never count each other's rows. */
  readonly tag: string;
  open(
    server: MariaDBServer,
    proxy: FaultProxy | undefined,
    options?: SubjectOptions,
  ): Promise<OpenedSubject>;
}

const INSERT_LEDGER = 'insert into ledger (k, amount) values (?, ?)';

function routeOf(server: MariaDBServer, proxy: FaultProxy | undefined, options: SubjectOptions | undefined) {
  const connection = { ...server.connection, ...options?.credentials };
  return proxy === undefined ? connection : proxy.route(connection);
}

function policyOf(options: SubjectOptions | undefined): GoneAwayOptions | undefined {
  if (options?.clientTimeoutMs === undefined) return options?.goneaway;
  return { ...options.goneaway, statementTimeoutMs: options.clientTimeoutMs };
}

/** `@goneaway/mysql2`: a promise pool (what Drizzle and Kysely run on), fn gets a held connection. */
export const MYSQL2: ExactlyOnceSubject = {
  name: '@goneaway/mysql2 (promise pool)',
  tag: 'mysql2',
  async open(server, proxy, options) {
    const pool = goneawayMysql2
      .wrapMysql2(mysql2Promise, policyOf(options))
      .createPool({ ...routeOf(server, proxy, options), connectionLimit: 2 });
    const events: GoneAwayEvent[] = [];
    goneawayMysql2.subscribeTo(pool, (event) => events.push(event));
    return {
      events,
      withTransactionRetry: (body, transactionOptions) =>
        goneawayMysql2.withTransactionRetry(
          pool,
          (connection) =>
            body(async (k, amount) => {
              await connection.query(INSERT_LEDGER, [k, amount]);
            }),
          transactionOptions,
        ),
      commitMarkerStats: (table) => goneawayMysql2.commitMarkerStats(pool, table),
      flushCommitMarkers: () => goneawayMysql2.flushCommitMarkers(pool),
      async close() {
        await goneawayMysql2.flushCommitMarkers(pool);
        await pool.end();
      },
    };
  },
};

interface TypeormDataSource {
  initialize(): Promise<unknown>;
  destroy(): Promise<void>;
  readonly options: { readonly driver?: unknown };
  transaction(...args: unknown[]): Promise<unknown>;
  readonly manager: { query(sql: string, parameters?: unknown[]): Promise<unknown> };
}
type DataSourceConstructor = new (options: never) => TypeormDataSource;

function typeormSubject(label: string, tag: string, DataSource: DataSourceConstructor): ExactlyOnceSubject {
  return {
    name: `@goneaway/typeorm (${label})`,
    tag,
    async open(server, proxy, options) {
      const route = routeOf(server, proxy, options);
      const dataSourceOptions = {
        type: 'mariadb' as const,
        host: route.host,
        port: route.port,
        username: route.user,
        password: route.password,
        database: route.database,
        poolSize: 2,
        entities: [],
        logging: false,
      };
      const dataSource = new DataSource(
        goneawayTypeorm.goneAwayTypeorm(dataSourceOptions, policyOf(options)) as never,
      );
      await dataSource.initialize();
      const events: GoneAwayEvent[] = [];
      goneawayTypeorm.subscribeTo(dataSource, (event) => events.push(event));
      return {
        events,
        withTransactionRetry: (body, transactionOptions) =>
          goneawayTypeorm.withTransactionRetry(
            dataSource,
            (manager) =>
              body(async (k, amount) => {
                await manager.query(INSERT_LEDGER, [k, amount]);
              }),
            transactionOptions,
          ),
        commitMarkerStats: (table) => goneawayTypeorm.commitMarkerStats(dataSource, table),
        flushCommitMarkers: () => goneawayTypeorm.flushCommitMarkers(dataSource),
        async close() {
          await goneawayTypeorm.flushCommitMarkers(dataSource);
          await dataSource.destroy();
        },
      };
    },
  };
}

export const TYPEORM_1 = typeormSubject(
  'TypeORM 1.x',
  'typeorm1',
  typeorm1.DataSource as unknown as DataSourceConstructor,
);
export const TYPEORM_03 = typeormSubject(
  'TypeORM 0.3',
  'typeorm03',
  typeorm03.DataSource as unknown as DataSourceConstructor,
);

// One generated client per test file (process), made on first use: `prisma generate` takes seconds.
let prismaClientClass: ReturnType<typeof generatePrismaClient> | undefined;

/** `@goneaway/prisma`: an interactive `$transaction` on @prisma/adapter-mariadb through withGoneaway(). */
export const PRISMA: ExactlyOnceSubject = {
  name: '@goneaway/prisma (interactive $transaction)',
  tag: 'prisma',
  async open(server, proxy, options) {
    prismaClientClass ??= generatePrismaClient();
    const { PrismaClient } = await prismaClientClass;
    const adapter = goneawayPrisma.withGoneaway(
      new PrismaMariaDb({
        ...routeOf(server, proxy, options),
        connectionLimit: 2,
        ...(options?.clientTimeoutMs === undefined ? {} : { socketTimeout: options.clientTimeoutMs }),
      }),
      options?.goneaway,
    );
    const prisma: ExamplePrismaClient = new PrismaClient({ adapter });
    const events: GoneAwayEvent[] = [];
    goneawayPrisma.subscribeTo(adapter, (event) => events.push(event));
    return {
      events,
      withTransactionRetry: (body, transactionOptions) =>
        goneawayPrisma.withTransactionRetry(
          prisma,
          (tx) =>
            body(async (k, amount) => {
              await tx.$executeRawUnsafe(INSERT_LEDGER, k, amount);
            }),
          transactionOptions,
        ),
      commitMarkerStats: (table) => goneawayPrisma.commitMarkerStats(prisma, table),
      flushCommitMarkers: () => goneawayPrisma.flushCommitMarkers(prisma),
      async close() {
        await goneawayPrisma.flushCommitMarkers(prisma);
        await prisma.$disconnect();
      },
    };
  },
};
