import { startMariaDB } from '@goneaway/test-harness';
import type { Knex } from 'knex';
import type { Benchmark } from '../benchmark.js';
import { type BenchKnex, makeKnex, pluginCounters } from '../make-knex.js';
import {
  createOverheadTables,
  type OverheadConfig as GenericOverheadConfig,
  type OverheadRow as GenericOverheadRow,
  type OverheadSummary as GenericOverheadSummary,
  type SegmentSample as GenericSegmentSample,
  measureOverhead,
  type OverheadSide,
  overheadPresets,
  overheadTable,
  P99_TARGET,
  type Runner,
  THROUGHPUT_TARGET,
} from '../overhead-rounds.js';

export type { RatioSummary } from '../overhead-rounds.js';
export { P99_TARGET, THROUGHPUT_TARGET };

export const WORKLOADS = ['select-1', 'select-20', 'insert', 'transaction'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];
export type OverheadConfig = GenericOverheadConfig<WorkloadName>;
export type SegmentSample = GenericSegmentSample<WorkloadName>;
export type OverheadRow = GenericOverheadRow<WorkloadName>;
export type OverheadSummary = GenericOverheadSummary<WorkloadName>;

const { full: FULL, quick: QUICK } = overheadPresets(WORKLOADS, { min: 2, max: 10 });

const WORKLOAD_TITLES: Record<WorkloadName, string> = {
  'select-1': 'select 1',
  'select-20': '20-row select',
  insert: 'single-row insert',
  transaction: 'transaction (3 statements)',
};

/** One operation (one acquire): a statement, or a whole transaction. */
function operation(db: Knex, name: WorkloadName): (worker: number, sequence: number) => Promise<unknown> {
  switch (name) {
    case 'select-1':
      return () => db.raw('select 1');
    case 'select-20':
      return () => db('bench_items').select('id', 'name', 'score').where('id', '<=', 20).orderBy('id');
    case 'insert':
      return (worker, sequence) => db('bench_writes').insert({ worker, sequence, note: 'insert' });
    case 'transaction':
      return (worker, sequence) =>
        db.transaction(async (trx) => {
          const [id] = await trx('bench_writes').insert({ worker, sequence, note: 'transaction' });
          await trx('bench_writes').where({ id }).update({ note: 'updated' });
          await trx('bench_writes').where({ id }).first('id', 'note');
        });
  }
}

function sideOf(bench: BenchKnex): OverheadSide<WorkloadName> {
  return {
    operation: (name) => operation(bench.db, name),
    counters: () => pluginCounters(bench),
  };
}

export const overhead: Benchmark<OverheadConfig, OverheadSummary, SegmentSample[]> = {
  name: 'overhead',
  title: '1. Overhead: all healthy, goneaway vs bare knex (same run, interleaved rounds)',
  needsControl: false,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB();
    const sides = new Map<Runner, BenchKnex>();
    try {
      await createOverheadTables((sql) => server.query(sql));
      const mariadbVersion = await server.version();
      const pool = { ...config.pool };
      sides.set('bare', makeKnex('bare', server.connection, pool));
      sides.set('bare-2', makeKnex('bare', server.connection, pool));
      sides.set('goneaway', makeKnex('goneaway', server.connection, pool));
      const measured = await measureOverhead(
        new Map([...sides].map(([runner, bench]) => [runner, sideOf(bench)])),
        config,
        WORKLOAD_TITLES,
        context.progress,
      );
      return { mariadbVersion, ...measured };
    } finally {
      await Promise.allSettled([...sides.values()].map((side) => side.destroy()));
      await server.destroy();
    }
  },

  table(result) {
    const spec = overheadTable(result, WORKLOAD_TITLES, 'knex');
    const config = result.config;
    return {
      ...spec,
      notes: [
        ...(spec.notes ?? []),
        `pool min ${config.pool.min} / max ${config.pool.max} on both sides; goneaway with default options; pings counted after a ${config.rampMs} ms unmeasured ramp per segment.`,
      ],
    };
  },
};
