import { stats, withGoneaway } from '@goneaway/prisma';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import {
  type ExamplePrismaClient,
  generatePrismaClient,
  type PrismaClientConstructor,
} from '../../prisma/generate-client.js';
import type { AppQueries, DemoClient, Row } from './app-db.js';
import { activityOf } from './app-db.js';

function queriesOf(prisma: ExamplePrismaClient): AppQueries {
  return {
    read: (sql) => prisma.$queryRawUnsafe<Row[]>(sql),
    write: async (sql, params = []) => {
      await prisma.$executeRawUnsafe(sql, ...params);
    },
  };
}

let PrismaClient: PrismaClientConstructor | undefined;

/**
 * Prisma 7 with its MariaDB driver adapter: bare `new PrismaClient({ adapter: new PrismaMariaDb(config) })`,
 * or with `adapter: withGoneaway(new PrismaMariaDb(config))`. The client is generated once per run
 * (offline, into test/.generated), as the Prisma example does.
 */
export const prismaClient: DemoClient = {
  id: 'prisma',
  labels: { bare: 'bare Prisma + adapter-mariadb', goneaway: 'Prisma + goneaway' },
  async prepare() {
    PrismaClient ??= (await generatePrismaClient()).PrismaClient;
  },
  expectations: {
    'wrong-password': {
      goneaway: {
        text: "fails with a clear error (P1000), no password in it, never retried; the first call waits for the adapter's own connect (mariadb's 10 s acquireTimeout), which goneaway cannot shorten",
        check: (f) => f.errors.count === 1 && f.metrics.leaked === false,
      },
    },
  },
  open(side, options) {
    if (PrismaClient === undefined) throw new Error('the Prisma client was not generated: prepare() first');
    const { host, port, user, password, database } = options.connection;
    const factory = new PrismaMariaDb({
      host,
      port,
      user,
      password,
      database,
      connectionLimit: options.pool?.max ?? 10,
    });
    const adapter = side === 'goneaway' ? withGoneaway(factory) : factory;
    const prisma = new PrismaClient({ adapter });
    return {
      db: {
        ...queriesOf(prisma),
        transaction: async (work) => {
          await prisma.$transaction((tx) => work(queriesOf(tx)));
        },
      },
      activity: () => (side === 'goneaway' ? activityOf(stats(adapter)) : undefined),
      destroy: () => prisma.$disconnect(),
    };
  },
};
