// A small Sequelize program through goneaway: notes written in a retried transaction, read back
// through a model. Run it against any MariaDB or MySQL you own:
//
//   node --import tsx examples/sequelize/main.ts mysql://user:password@127.0.0.1:3306/database
import { pathToFileURL } from 'node:url';
import { goneAwaySequelize, stats, withTransactionRetry } from '@goneaway/sequelize';
import { DataTypes, Sequelize } from 'sequelize';

export interface RunOptions {
  /** How many notes to write (default 3). */
  readonly notes?: number;
  /** Called once the table exists, before the notes are written (the test KILLs connections here). */
  readonly afterSync?: (sequelize: Sequelize) => Promise<void>;
}

export interface RunResult {
  /** Notes in the table at the end. */
  readonly notes: number;
  /** The newest note's text. */
  readonly newest: string | undefined;
  /** Statements and connects goneaway ran again, and evicted connections (from stats()). */
  readonly retries: number;
  readonly evictions: number;
}

/** Writes the notes (one transaction each, run again whole if its connection is lost) and reads them back. */
export async function run(url: string, options: RunOptions = {}): Promise<RunResult> {
  const sequelize = new Sequelize(
    url,
    goneAwaySequelize({ dialect: 'mysql', pool: { max: 4 }, logging: false }),
  );
  const Note = sequelize.define(
    'Note',
    { body: { type: DataTypes.STRING(200), allowNull: false } },
    { tableName: 'goneaway_example_notes' },
  );
  try {
    await Note.sync();
    await options.afterSync?.(sequelize);
    for (let n = 1; n <= (options.notes ?? 3); n++) {
      await withTransactionRetry(sequelize, async (transaction) => {
        await Note.create({ body: `note ${n}` }, { transaction });
      });
    }
    const newest = await Note.findOne({ order: [['id', 'DESC']] });
    const counters = stats(sequelize);
    return {
      notes: await Note.count(),
      newest: newest?.get('body') as string | undefined,
      retries: counters.retries,
      evictions: Object.values(counters.evictions).reduce((sum, n) => sum + n, 0),
    };
  } finally {
    await sequelize.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.argv[2] ?? process.env.MYSQL_URL;
  if (url === undefined) {
    process.stderr.write('usage: main.ts mysql://user:password@host:port/database (or set MYSQL_URL)\n');
    process.exit(2);
  }
  run(url).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.message ?? error)}\n`);
      process.exit(1);
    },
  );
}
