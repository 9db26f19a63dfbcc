// A small program on Prisma 7 + @prisma/adapter-mariadb with goneaway: the adapter factory wrapped
// once, a write, an interactive transaction that runs again whole if its connection dies, a read,
// and the codes an application checks on what Prisma throws.
//   npm run build && npx tsx examples/prisma/main.ts mysql://user:password@host:3306/database
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  isConnectionLost,
  isDatabaseUnavailable,
  isPacketTooLarge,
  stats,
  withGoneaway,
  withTransactionRetry,
} from '@goneaway/prisma';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { CREATE_ITEMS_TABLE, generatePrismaClient } from './generate-client.js';

export interface RunResult {
  /** Rows with this run's key after the write and the transaction (3). */
  readonly rows: number;
  /** How many times the transaction ran (1, or more after a lost connection or a deadlock). */
  readonly transactionRuns: number;
  /** What the oversized write got: goneaway's code, or 'stored' when the server's max_allowed_packet is large enough. */
  readonly oversized: string;
  /** Statements goneaway ran again after their connection died. */
  readonly retries: number;
}

export async function run(url: string, options: { blobBytes?: number } = {}): Promise<RunResult> {
  const { PrismaClient } = await generatePrismaClient();
  const adapter = withGoneaway(new PrismaMariaDb(url));
  const prisma = new PrismaClient({ adapter });
  const key = `example-${process.pid}-${Date.now()}`;
  try {
    await prisma.$executeRawUnsafe(CREATE_ITEMS_TABLE);
    await prisma.item.create({ data: { k: key, v: 1 } });

    let transactionRuns = 0;
    await withTransactionRetry(prisma, async (tx) => {
      transactionRuns++;
      await tx.item.create({ data: { k: key, v: 2 } });
      await tx.item.create({ data: { k: key, v: 3 } });
    });

    let oversized = 'stored';
    try {
      await prisma.item.create({
        data: { k: `${key}-blob`, body: new Uint8Array(options.blobBytes ?? 2 ** 21) },
      });
    } catch (error) {
      // Prisma rethrows goneaway's errors as PrismaClientKnownRequestError with goneaway's code.
      if (isPacketTooLarge(error)) oversized = (error as { code: string }).code;
      else if (isConnectionLost(error) || isDatabaseUnavailable(error))
        oversized = (error as { code: string }).code;
      else throw error;
    }

    const rows = await prisma.item.count({ where: { k: key } });
    return { rows, transactionRuns, oversized, retries: stats(adapter).events.retry };
  } finally {
    await prisma.$disconnect();
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  const url = process.argv[2] ?? process.env.MYSQL_URL;
  if (url === undefined) {
    process.stderr.write('usage: tsx examples/prisma/main.ts mysql://user:password@host:3306/database\n');
    process.exit(2);
  }
  run(url).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${String((error as Error).message ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
