import type { GoneAwayEvent } from '@goneaway/prisma';
import type { ExamplePrismaClient } from '../../../examples/prisma/generate-client.js';
import type { WorkloadCalls } from './failover-workload.js';

/** The mariadb settings of a server, for `new PrismaMariaDb(settings)` or `goneAwayPrisma(settings, …)`. */
export function settingsOf(server: {
  readonly connection: { host: string; port: number; user: string; password: string; database: string };
}) {
  const { host, port, user, password, database } = server.connection;
  return { host, port, user, password, database, connectionLimit: 4 };
}

/**
 * The workload's calls through Prisma: a read (the ORM's count, then the answering port) and an
 * insert of one statement. Not the ORM's create: Prisma runs it as a transaction of its own (INSERT,
 * then SELECT the row), which a switchover caught halfway loses (GONEAWAY_TRANSACTION_LOST, typed,
 * for withTransactionRetry): the last test covers that.
 */
export function prismaCalls(prisma: ExamplePrismaClient): WorkloadCalls {
  return {
    read: async () => {
      await prisma.item.count();
      const rows = await prisma.$queryRawUnsafe<Array<{ port: bigint | number }>>('SELECT @@port AS port');
      return Number(rows[0]?.port);
    },
    insert: (id) => prisma.$executeRawUnsafe("INSERT INTO t (id, k) VALUES (?, 'prisma')", id),
  };
}

export function wroteTo(events: readonly GoneAwayEvent[], seen: number, port: number): boolean {
  return events
    .slice(seen)
    .some((event) => event.type === 'writer-changed' && String(event.to).endsWith(`:${port}`));
}
