import { startMariaDB } from '@goneaway/test-harness';
import { goneAwayTypeorm, stats } from '@goneaway/typeorm';
import { DataSource, EntitySchema, LessThanOrEqual } from 'typeorm';
import type { Benchmark } from '../benchmark.js';
import {
  createOverheadTables,
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

// The same measurement as the knex overhead benchmark, for @goneaway/typeorm: a bare TypeORM 1.x
// DataSource (two of them: the noise floor) and one through goneAwayTypeorm with default options,
// interleaved in the same run.

export const TYPEORM_WORKLOADS = ['select-1', 'find-20', 'insert', 'transaction'] as const;
export type TypeormWorkloadName = (typeof TYPEORM_WORKLOADS)[number];
export type TypeormOverheadConfig = OverheadConfig<TypeormWorkloadName>;
export type TypeormOverheadSummary = OverheadSummary<TypeormWorkloadName>;
export type TypeormOverheadRow = OverheadRow<TypeormWorkloadName>;
export type TypeormSegmentSample = SegmentSample<TypeormWorkloadName>;

// TypeORM's poolSize is mysql2's connectionLimit: no minimum.
const { full: FULL, quick: QUICK } = overheadPresets(TYPEORM_WORKLOADS, { min: 0, max: 10 });

const TITLES: Record<TypeormWorkloadName, string> = {
  'select-1': 'dataSource.query select 1',
  'find-20': 'repository.find 20 rows',
  insert: 'repository.insert one row',
  transaction: 'dataSource.transaction (3 statements)',
};

interface Item {
  id: number;
  name: string;
  score: number;
}

interface Write {
  id: string;
  worker: number;
  sequence: number;
  note: string;
}

/** The tables of createOverheadTables, as entities without decorators. */
const ItemSchema = new EntitySchema<Item>({
  name: 'BenchItem',
  tableName: 'bench_items',
  columns: {
    id: { type: Number, primary: true },
    name: { type: String, length: 64 },
    score: { type: 'double' },
  },
});

const WriteSchema = new EntitySchema<Write>({
  name: 'BenchWrite',
  tableName: 'bench_writes',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    worker: { type: Number },
    sequence: { type: 'bigint' },
    note: { type: String, length: 64 },
  },
});

/** One operation: a statement, or a whole transaction (one query runner, one connection). */
function operation(
  dataSource: DataSource,
  name: TypeormWorkloadName,
): (worker: number, sequence: number) => Promise<unknown> {
  const items = dataSource.getRepository(ItemSchema);
  const writes = dataSource.getRepository(WriteSchema);
  switch (name) {
    case 'select-1':
      return () => dataSource.query('select 1');
    case 'find-20':
      return () => items.find({ where: { id: LessThanOrEqual(20) }, order: { id: 'ASC' } });
    case 'insert':
      return (worker, sequence) => writes.insert({ worker, sequence, note: 'insert' });
    case 'transaction':
      return (worker, sequence) =>
        dataSource.transaction(async (manager) => {
          const repository = manager.getRepository(WriteSchema);
          const inserted = await repository.insert({ worker, sequence, note: 'transaction' });
          const id = (inserted.identifiers[0] as { id: string }).id;
          await repository.update({ id }, { note: 'updated' });
          await repository.findOne({ where: { id }, select: { id: true, note: true } });
        });
  }
}

function sideOf(dataSource: DataSource, wrapped: boolean): OverheadSide<TypeormWorkloadName> {
  return {
    operation: (name) => operation(dataSource, name),
    counters: () => {
      if (!wrapped) return { validationPings: 0, retries: 0 };
      const counters = stats(dataSource);
      return { validationPings: counters.validationPings, retries: counters.retries };
    },
  };
}

export const overheadTypeorm: Benchmark<
  TypeormOverheadConfig,
  TypeormOverheadSummary,
  TypeormSegmentSample[]
> = {
  name: 'overhead-typeorm',
  title:
    '1c. Overhead: all healthy, @goneaway/typeorm vs a bare TypeORM DataSource (same run, interleaved rounds)',
  needsControl: false,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB();
    const dataSources: DataSource[] = [];
    try {
      await createOverheadTables((sql) => server.query(sql));
      const mariadbVersion = await server.version();
      const { connection } = server;
      const options = () => ({
        type: 'mysql' as const,
        host: connection.host,
        port: connection.port,
        username: connection.user,
        password: connection.password,
        database: connection.database,
        entities: [ItemSchema, WriteSchema],
        poolSize: config.pool.max,
        synchronize: false,
        logging: false,
      });
      const make = async (wrapped: boolean) => {
        const dataSource = new DataSource(wrapped ? goneAwayTypeorm(options()) : options());
        dataSources.push(dataSource);
        await dataSource.initialize();
        return sideOf(dataSource, wrapped);
      };
      const sides = new Map<Runner, OverheadSide<TypeormWorkloadName>>([
        ['bare', await make(false)],
        ['bare-2', await make(false)],
        ['goneaway', await make(true)],
      ]);
      const measured = await measureOverhead(sides, config, TITLES, context.progress);
      return { mariadbVersion, ...measured };
    } finally {
      await Promise.allSettled(
        dataSources.map((dataSource) =>
          dataSource.isInitialized ? dataSource.destroy() : Promise.resolve(),
        ),
      );
      await server.destroy();
    }
  },

  table(result) {
    const spec = overheadTable(result, TITLES, 'TypeORM DataSource');
    const config = result.config;
    return {
      ...spec,
      notes: [
        ...(spec.notes ?? []),
        `TypeORM 1.x DataSources of type mysql (mysql2), poolSize ${config.pool.max} on every side, entities as EntitySchema; goneaway: new DataSource(goneAwayTypeorm(options)) with default options; pings counted after a ${config.rampMs} ms unmeasured ramp per segment.`,
        "Why goneaway can cost less CPU than bare here: TypeORM 1.x runs every statement through mysql2's `connection.promise().query()`, which builds a promise wrapper and captures a stack trace per call; goneaway's connection answers `promise()` with its own thin wrapper over the callback query (a CPU profile of sequential select 1: bare 233, goneaway 163 µs/op, mysql2's captureStackHolder the largest difference).",
      ],
    };
  },
};
