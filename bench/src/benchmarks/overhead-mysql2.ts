import { stats, wrapMysql2 } from '@goneaway/mysql2';
import { startMariaDB } from '@goneaway/test-harness';
import type { PoolConnection as CallbackPoolConnection } from 'mysql2';
import mysql2Promise, { type Pool } from 'mysql2/promise';
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

// The same measurement as the knex overhead benchmark, for @goneaway/mysql2: a bare mysql2 pool (two
// of them: the noise floor) and a wrapMysql2 pool with default options, interleaved in the same run.

export const MYSQL2_WORKLOADS = [
  'select-1',
  'select-20',
  'execute',
  'insert',
  'held',
  'transaction',
] as const;
export type Mysql2WorkloadName = (typeof MYSQL2_WORKLOADS)[number];
export type Mysql2OverheadConfig = OverheadConfig<Mysql2WorkloadName>;
export type Mysql2OverheadSummary = OverheadSummary<Mysql2WorkloadName>;
export type Mysql2OverheadRow = OverheadRow<Mysql2WorkloadName>;
export type Mysql2SegmentSample = SegmentSample<Mysql2WorkloadName>;

// mysql2 has no minimum: connectionLimit is max.
const { full: FULL, quick: QUICK } = overheadPresets(MYSQL2_WORKLOADS, { min: 0, max: 10 });

const TITLES: Record<Mysql2WorkloadName, string> = {
  'select-1': 'pool.query select 1',
  'select-20': 'pool.query 20-row select',
  execute: 'pool.execute 20-row select',
  insert: 'pool.query single-row insert',
  held: 'getConnection + query + release (Kysely)',
  transaction: 'transaction (3 statements)',
};

const SELECT_20 = 'select id, name, score from bench_items where id <= ? order by id';
const INSERT = 'insert into bench_writes (worker, sequence, note) values (?, ?, ?)';

/** One operation: a statement, or a whole transaction on a held connection. */
function operation(
  pool: Pool,
  name: Mysql2WorkloadName,
): (worker: number, sequence: number) => Promise<unknown> {
  switch (name) {
    case 'select-1':
      return () => pool.query('select 1');
    case 'select-20':
      return () => pool.query(SELECT_20, [20]);
    case 'execute':
      return () => pool.execute(SELECT_20, [20]);
    case 'insert':
      return (worker, sequence) => pool.query(INSERT, [worker, sequence, 'insert']);
    case 'held':
      // Kysely's MysqlDialect: the callback pool's getConnection, one query on it, release.
      return () =>
        new Promise((resolve, reject) => {
          pool.pool.getConnection((error, connection: CallbackPoolConnection) => {
            if (error) return reject(error);
            connection.query(SELECT_20, [20], (queryError, rows) => {
              connection.release();
              if (queryError) reject(queryError);
              else resolve(rows);
            });
          });
        });
    case 'transaction':
      // Drizzle's db.transaction: one connection held across begin, three statements, commit.
      return async (worker, sequence) => {
        const connection = await pool.getConnection();
        try {
          await connection.beginTransaction();
          const [inserted] = await connection.query(INSERT, [worker, sequence, 'transaction']);
          const id = (inserted as { insertId: number }).insertId;
          await connection.query('update bench_writes set note = ? where id = ?', ['updated', id]);
          await connection.query('select id, note from bench_writes where id = ?', [id]);
          await connection.commit();
        } catch (error) {
          await connection.rollback().catch(() => undefined);
          throw error;
        } finally {
          connection.release();
        }
      };
  }
}

function sideOf(pool: Pool, wrapped: boolean): OverheadSide<Mysql2WorkloadName> {
  return {
    operation: (name) => operation(pool, name),
    counters: () => {
      if (!wrapped) return { validationPings: 0, retries: 0 };
      const counters = stats(pool);
      return { validationPings: counters.validationPings, retries: counters.retries };
    },
  };
}

export const overheadMysql2: Benchmark<Mysql2OverheadConfig, Mysql2OverheadSummary, Mysql2SegmentSample[]> = {
  name: 'overhead-mysql2',
  title: '1b. Overhead: all healthy, @goneaway/mysql2 vs a bare mysql2 pool (same run, interleaved rounds)',
  needsControl: false,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB();
    const pools: Pool[] = [];
    try {
      await createOverheadTables((sql) => server.query(sql));
      const mariadbVersion = await server.version();
      const poolConfig = () => ({ ...server.connection, connectionLimit: config.pool.max });
      const make = (wrapped: boolean) => {
        const pool = wrapped
          ? wrapMysql2(mysql2Promise).createPool(poolConfig())
          : mysql2Promise.createPool(poolConfig());
        pools.push(pool);
        return sideOf(pool, wrapped);
      };
      const sides = new Map<Runner, OverheadSide<Mysql2WorkloadName>>([
        ['bare', make(false)],
        ['bare-2', make(false)],
        ['goneaway', make(true)],
      ]);
      const measured = await measureOverhead(sides, config, TITLES, context.progress);
      return { mariadbVersion, ...measured };
    } finally {
      await Promise.allSettled(pools.map((pool) => pool.end()));
      await server.destroy();
    }
  },

  table(result) {
    const spec = overheadTable(result, TITLES, 'mysql2 pool');
    const config = result.config;
    return {
      ...spec,
      notes: [
        ...(spec.notes ?? []),
        `mysql2/promise pools, connectionLimit ${config.pool.max} on every side; goneaway: wrapMysql2(mysql2).createPool with default options; pings counted after a ${config.rampMs} ms unmeasured ramp per segment. The Kysely row uses the callback pool underneath (pool.pool), as Kysely's MysqlDialect does.`,
      ],
    };
  },
};
