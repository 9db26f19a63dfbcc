// A small TypeORM program through goneaway: notes written in a retried transaction, read back
// through a repository. Run it against any MariaDB or MySQL you own:
//
//   node --import tsx examples/typeorm/main.ts mysql://user:password@127.0.0.1:3306/database
import { pathToFileURL } from 'node:url';
import { goneAwayTypeorm, stats, withTransactionRetry } from '@goneaway/typeorm';
import { DataSource, EntitySchema } from 'typeorm';

interface Note {
  id: number;
  body: string;
  createdAt: Date;
}

/** An entity without decorators: no reflect-metadata, no experimentalDecorators. */
const NoteSchema = new EntitySchema<Note>({
  name: 'Note',
  tableName: 'goneaway_example_notes',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    body: { type: String, length: 200 },
    createdAt: { type: 'datetime', createDate: true },
  },
});

export interface RunOptions {
  /** How many notes to write (default 3). */
  readonly notes?: number;
  /** Called once the DataSource is up, before the notes are written (the test KILLs connections here). */
  readonly afterInitialize?: (dataSource: DataSource) => Promise<void>;
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
  const dataSource = new DataSource(
    goneAwayTypeorm({ type: 'mysql', url, entities: [NoteSchema], synchronize: true, poolSize: 4 }),
  );
  await dataSource.initialize();
  try {
    await options.afterInitialize?.(dataSource);
    const notes = dataSource.getRepository(NoteSchema);
    for (let n = 1; n <= (options.notes ?? 3); n++) {
      await withTransactionRetry(dataSource, async (manager) => {
        await manager.getRepository(NoteSchema).insert({ body: `note ${n}` });
      });
    }
    const [newest] = await notes.find({ order: { id: 'DESC' }, take: 1 });
    const counters = stats(dataSource);
    return {
      notes: await notes.count(),
      newest: newest?.body,
      retries: counters.retries,
      evictions: Object.values(counters.evictions).reduce((sum, n) => sum + n, 0),
    };
  } finally {
    await dataSource.destroy();
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
