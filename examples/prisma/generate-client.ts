import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

/** The schema of the example and of the tests: one table `t` (created with SQL, not migrations). */
export const PRISMA_SCHEMA = `generator client {
  provider = "prisma-client-js"
  output   = "./client"
}

datasource db {
  provider = "mysql"
}

model Item {
  id   Int    @id @default(autoincrement())
  k    String @db.VarChar(64)
  v    Int?
  body Bytes? @db.LongBlob

  @@map("t")
}
`;

/** The SQL that creates the table the schema maps (in database `goneaway`). */
export const CREATE_ITEMS_TABLE =
  'create table if not exists t (id int auto_increment primary key, k varchar(64) not null, v int null, body longblob null)';

/** What the tests and the example use of a generated PrismaClient. */
export interface ItemRow {
  id: number;
  k: string;
  v: number | null;
  body: Uint8Array | null;
}
export interface ExamplePrismaClient {
  item: {
    create(args: { data: { k: string; v?: number | null; body?: Uint8Array | null } }): Promise<ItemRow>;
    findMany(args?: { where?: { k?: string } }): Promise<ItemRow[]>;
    count(args?: { where?: { k?: string } }): Promise<number>;
  };
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number>;
  $transaction<T>(fn: (tx: ExamplePrismaClient) => Promise<T>, options?: Record<string, unknown>): Promise<T>;
  $disconnect(): Promise<void>;
}
export type PrismaClientConstructor = new (options: { adapter: unknown }) => ExamplePrismaClient;

/**
 * Generates the Prisma client for PRISMA_SCHEMA and loads it. Offline: `prisma generate` needs no
 * engine with a driver adapter, but the CLI looks for the schema engine, so any existing file will do.
 * Each call generates into a folder of its own under test/.generated (git-ignored, inside the repo so
 * that the generated code resolves @prisma/client): two test files generating at once never share one.
 */
export async function generatePrismaClient(): Promise<{
  PrismaClient: PrismaClientConstructor;
  dir: string;
}> {
  const dir = join(repoRoot, 'test', '.generated', `prisma-${process.pid}-${randomUUID().slice(0, 8)}`);
  await mkdir(dir, { recursive: true });
  const schema = join(dir, 'schema.prisma');
  await writeFile(schema, PRISMA_SCHEMA);
  await run(process.execPath, [prismaCli(), 'generate', '--schema', schema], {
    cwd: dir,
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
  const require = createRequire(join(dir, 'index.js'));
  const generated = require('./client/index.js') as { PrismaClient: PrismaClientConstructor };
  return { PrismaClient: generated.PrismaClient, dir };
}

function prismaCli(): string {
  const require = createRequire(join(here, 'package.json'));
  return require.resolve('prisma/build/index.js');
}
