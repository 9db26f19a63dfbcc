import { stats, withGoneaway } from '@goneaway/prisma';
import { startMariaDB } from '@goneaway/test-harness';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { CREATE_ITEMS_TABLE, generatePrismaClient } from '../../../examples/prisma/generate-client.js';
import type { Benchmark } from '../benchmark.js';
import {
  measureOverhead,
  type OverheadConfig,
  type OverheadRow,
  type OverheadSide,
  type OverheadSummary,
  overheadPresets,
  overheadTable,
  type Runner,
  type SegmentSample,
} from '../overhead-rounds.js';

// The same measurement as the knex overhead benchmark, for @goneaway/prisma: Prisma 7 on a bare
// @prisma/adapter-mariadb (two clients: the noise floor) and one on withGoneaway(adapter) with
// default options, interleaved in the same run. The client is the examples' (model Item, table t),
// generated at the start of the run.

export const PRISMA_WORKLOADS = ['select-1', 'find-20', 'create', 'transaction'] as const;
export type PrismaWorkloadName = (typeof PRISMA_WORKLOADS)[number];
export type PrismaOverheadConfig = OverheadConfig<PrismaWorkloadName>;
export type PrismaOverheadSummary = OverheadSummary<PrismaWorkloadName>;
export type PrismaOverheadRow = OverheadRow<PrismaWorkloadName>;
export type PrismaSegmentSample = SegmentSample<PrismaWorkloadName>;

// The adapter's connectionLimit (mariadb's pool keeps them all open: minimumIdle defaults to it).
const { full: FULL, quick: QUICK } = overheadPresets(PRISMA_WORKLOADS, { min: 0, max: 10 });

const TITLES: Record<PrismaWorkloadName, string> = {
  'select-1': '$queryRawUnsafe select 1',
  'find-20': 'item.findMany 20 rows',
  create: 'item.create one row',
  transaction: 'interactive $transaction (3 calls)',
};

/** The rows the reads find: ids 1–200, ahead of the rows the writes add. */
const SEEDED_ROWS = 200;

interface ItemRow {
  readonly id: number;
  readonly k: string;
}

/** What the benchmark calls on the generated client (the examples' type names fewer arguments). */
interface ItemDelegate {
  create(args: { data: { k: string; v: number } }): Promise<ItemRow>;
  findMany(args: { where: { id: { lte: number } }; orderBy: { id: 'asc' } }): Promise<ItemRow[]>;
  update(args: { where: { id: number }; data: { k: string } }): Promise<ItemRow>;
  findUnique(args: { where: { id: number }; select: { id: true; k: true } }): Promise<ItemRow | null>;
}
interface BenchPrismaClient {
  readonly item: ItemDelegate;
  $queryRawUnsafe(sql: string): Promise<unknown>;
  $transaction<T>(fn: (tx: { readonly item: ItemDelegate }) => Promise<T>): Promise<T>;
  $disconnect(): Promise<void>;
}

/** One operation: a model call (a statement or two), or a whole interactive transaction. */
function operation(
  prisma: BenchPrismaClient,
  name: PrismaWorkloadName,
): (worker: number, sequence: number) => Promise<unknown> {
  switch (name) {
    case 'select-1':
      return () => prisma.$queryRawUnsafe('select 1');
    case 'find-20':
      return () => prisma.item.findMany({ where: { id: { lte: 20 } }, orderBy: { id: 'asc' } });
    case 'create':
      return (_worker, sequence) => prisma.item.create({ data: { k: 'create', v: sequence } });
    case 'transaction':
      return (_worker, sequence) =>
        prisma.$transaction(async (tx) => {
          const row = await tx.item.create({ data: { k: 'transaction', v: sequence } });
          await tx.item.update({ where: { id: row.id }, data: { k: 'updated' } });
          await tx.item.findUnique({ where: { id: row.id }, select: { id: true, k: true } });
        });
  }
}

function sideOf(prisma: BenchPrismaClient, adapter: unknown): OverheadSide<PrismaWorkloadName> {
  return {
    operation: (name) => operation(prisma, name),
    counters: () => {
      if (adapter === undefined) return { validationPings: 0, retries: 0 };
      const counters = stats(adapter);
      return { validationPings: counters.validationPings, retries: counters.retries };
    },
  };
}

export const overheadPrisma: Benchmark<PrismaOverheadConfig, PrismaOverheadSummary, PrismaSegmentSample[]> = {
  name: 'overhead-prisma',
  title:
    '1d. Overhead: all healthy, @goneaway/prisma vs Prisma 7 on a bare MariaDB adapter (same run, interleaved rounds)',
  needsControl: false,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const [server, { PrismaClient }] = await Promise.all([startMariaDB(), generatePrismaClient()]);
    const clients: BenchPrismaClient[] = [];
    try {
      await server.query('DROP TABLE IF EXISTS t');
      await server.query(CREATE_ITEMS_TABLE);
      const values = Array.from(
        { length: SEEDED_ROWS },
        (_, index) => `(${index + 1}, 'item-${index + 1}', ${index})`,
      );
      await server.query(`INSERT INTO t (id, k, v) VALUES ${values.join(', ')}`);
      const mariadbVersion = await server.version();
      const make = async (wrapped: boolean) => {
        const factory = new PrismaMariaDb({ ...server.connection, connectionLimit: config.pool.max });
        const adapter = wrapped ? withGoneaway(factory) : factory;
        const prisma = new PrismaClient({ adapter }) as unknown as BenchPrismaClient;
        clients.push(prisma);
        // Connects (the adapter's pool) before the first measured call.
        await prisma.$queryRawUnsafe('select 1');
        return sideOf(prisma, wrapped ? adapter : undefined);
      };
      const sides = new Map<Runner, OverheadSide<PrismaWorkloadName>>([
        ['bare', await make(false)],
        ['bare-2', await make(false)],
        ['goneaway', await make(true)],
      ]);
      const measured = await measureOverhead(sides, config, TITLES, context.progress);
      return { mariadbVersion, ...measured };
    } finally {
      await Promise.allSettled(clients.map((prisma) => prisma.$disconnect()));
      await server.destroy();
    }
  },

  table(result) {
    const spec = overheadTable(result, TITLES, 'Prisma client');
    const config = result.config;
    return {
      ...spec,
      notes: [
        ...(spec.notes ?? []),
        `Prisma 7 clients (prisma-client-js, model Item on table t) on new PrismaMariaDb(config), connectionLimit ${config.pool.max} on every side; goneaway: withGoneaway(new PrismaMariaDb(config)) with default options; pings counted after a ${config.rampMs} ms unmeasured ramp per segment. Statements per call, counted on the server: item.create is BEGIN, INSERT, SELECT, COMMIT (Prisma wraps it in a transaction; MySQL has no RETURNING); the interactive transaction is 8 (BEGIN, INSERT, SELECT, SELECT, UPDATE, SELECT, SELECT, COMMIT).`,
        `×32 is more callers than connections (${config.pool.max}): a p50 ratio far below 1 beside a p99 ratio far above 1 means the pool served callers out of order, some running back to back while others waited.`,
      ],
    };
  },
};
