import { goneAwaySequelize, stats } from '@goneaway/sequelize';
import { startMariaDB } from '@goneaway/test-harness';
import mysql2 from 'mysql2';
import { DataTypes, type Model, type ModelStatic, Op, type Options, QueryTypes, Sequelize } from 'sequelize';
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

// The same measurement as the knex overhead benchmark, for @goneaway/sequelize: a bare Sequelize 6
// instance of the mysql dialect (two of them: the noise floor) and one through goneAwaySequelize with
// default options, interleaved in the same run.

export const SEQUELIZE_WORKLOADS = ['select-1', 'find-20', 'create', 'transaction'] as const;
export type SequelizeWorkloadName = (typeof SEQUELIZE_WORKLOADS)[number];
export type SequelizeOverheadConfig = OverheadConfig<SequelizeWorkloadName>;
export type SequelizeOverheadSummary = OverheadSummary<SequelizeWorkloadName>;
export type SequelizeOverheadRow = OverheadRow<SequelizeWorkloadName>;
export type SequelizeSegmentSample = SegmentSample<SequelizeWorkloadName>;

// Sequelize's pool (sequelize-pool) has a minimum; 0, as TypeORM's and mysql2's pools have none.
const { full: FULL, quick: QUICK } = overheadPresets(SEQUELIZE_WORKLOADS, { min: 0, max: 10 });

const TITLES: Record<SequelizeWorkloadName, string> = {
  'select-1': 'sequelize.query select 1',
  'find-20': 'Model.findAll 20 rows',
  create: 'Model.create one row',
  transaction: 'sequelize.transaction (3 statements)',
};

interface Models {
  readonly Item: ModelStatic<Model>;
  readonly Write: ModelStatic<Model>;
}

/** The tables of createOverheadTables, as models of this instance (no timestamps, no sync). */
function defineModels(sequelize: Sequelize): Models {
  const Item = sequelize.define(
    'BenchItem',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      name: { type: DataTypes.STRING(64), allowNull: false },
      score: { type: DataTypes.DOUBLE, allowNull: false },
    },
    { tableName: 'bench_items', timestamps: false },
  );
  const Write = sequelize.define(
    'BenchWrite',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      worker: { type: DataTypes.INTEGER, allowNull: false },
      sequence: { type: DataTypes.BIGINT, allowNull: false },
      note: { type: DataTypes.STRING(64), allowNull: false },
    },
    { tableName: 'bench_writes', timestamps: false },
  );
  return { Item, Write };
}

/** One operation: a statement, or a whole managed transaction (one connection, passed explicitly). */
function operation(
  sequelize: Sequelize,
  { Item, Write }: Models,
  name: SequelizeWorkloadName,
): (worker: number, sequence: number) => Promise<unknown> {
  switch (name) {
    case 'select-1':
      return () => sequelize.query('select 1', { type: QueryTypes.SELECT });
    case 'find-20':
      return () => Item.findAll({ where: { id: { [Op.lte]: 20 } }, order: [['id', 'ASC']] });
    case 'create':
      return (worker, sequence) => Write.create({ worker, sequence, note: 'create' });
    case 'transaction':
      return (worker, sequence) =>
        sequelize.transaction(async (transaction) => {
          const created = await Write.create({ worker, sequence, note: 'transaction' }, { transaction });
          const id = created.get('id');
          await Write.update({ note: 'updated' }, { where: { id }, transaction });
          await Write.findOne({ where: { id }, attributes: ['id', 'note'], transaction });
        });
  }
}

function sideOf(sequelize: Sequelize, wrapped: boolean): OverheadSide<SequelizeWorkloadName> {
  const models = defineModels(sequelize);
  return {
    operation: (name) => operation(sequelize, models, name),
    counters: () => {
      if (!wrapped) return { validationPings: 0, retries: 0 };
      const counters = stats(sequelize);
      return { validationPings: counters.validationPings, retries: counters.retries };
    },
  };
}

export const overheadSequelize: Benchmark<
  SequelizeOverheadConfig,
  SequelizeOverheadSummary,
  SequelizeSegmentSample[]
> = {
  name: 'overhead-sequelize',
  title:
    '1e. Overhead: all healthy, @goneaway/sequelize vs a bare Sequelize 6 instance (same run, interleaved rounds)',
  needsControl: false,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB();
    const instances: Sequelize[] = [];
    try {
      await createOverheadTables((sql) => server.query(sql));
      const mariadbVersion = await server.version();
      const { connection } = server;
      // A fresh object per instance: the same options on every side, goneaway adding its own.
      const options = (): Options => ({
        dialect: 'mysql',
        dialectModule: mysql2,
        host: connection.host,
        port: connection.port,
        username: connection.user,
        password: connection.password,
        database: connection.database,
        pool: { min: config.pool.min, max: config.pool.max },
        logging: false,
      });
      const make = async (wrapped: boolean) => {
        const sequelize = new Sequelize(wrapped ? goneAwaySequelize(options()) : options());
        instances.push(sequelize);
        // Connects (one pool connection) before the first measured call.
        await sequelize.authenticate();
        return sideOf(sequelize, wrapped);
      };
      const sides = new Map<Runner, OverheadSide<SequelizeWorkloadName>>([
        ['bare', await make(false)],
        ['bare-2', await make(false)],
        ['goneaway', await make(true)],
      ]);
      const measured = await measureOverhead(sides, config, TITLES, context.progress);
      return { mariadbVersion, ...measured };
    } finally {
      await Promise.allSettled(instances.map((sequelize) => sequelize.close()));
      await server.destroy();
    }
  },

  table(result) {
    const spec = overheadTable(result, TITLES, 'Sequelize');
    const config = result.config;
    return {
      ...spec,
      notes: [
        ...(spec.notes ?? []),
        `Sequelize 6 instances of the mysql dialect (dialectModule mysql2), pool min ${config.pool.min} max ${config.pool.max} on every side, logging off, models defined without sync; goneaway: new Sequelize(goneAwaySequelize(options)) with default options; pings counted after a ${config.rampMs} ms unmeasured ramp per segment.`,
        'Statements per call, counted on the server (the same on both sides): Model.create is one INSERT, sent as a prepared statement (mysql2 execute, cached per connection: no prepare after the first); sequelize.transaction is 5: START TRANSACTION, INSERT and UPDATE (prepared), SELECT (text), COMMIT, and no validation ping.',
      ],
    };
  },
};
