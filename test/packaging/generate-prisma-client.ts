import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FreshProject } from './fresh-npm-project.js';

/** The Prisma schema the README blocks and consumer/prisma.* use (accounts with a balance, uploads with a body). */
export const PRISMA_SCHEMA = `generator client {
  provider = "prisma-client"
  output   = "../generated/prisma"
}

generator js {
  provider = "prisma-client-js"
  output   = "../generated/prisma-js"
}

datasource db {
  provider = "mysql"
}

model Account {
  id      Int @id
  balance Int
}

model Upload {
  id   Int   @id @default(autoincrement())
  body Bytes @db.LongBlob
}
`;

/**
 * Writes prisma/schema.prisma into the project and runs `prisma generate` with the CLI at `cli`
 * (a prisma package's build/index.js), so generated/prisma and generated/prisma-js exist.
 */
export async function generatePrismaClient(project: FreshProject, cli: string): Promise<void> {
  await mkdir(join(project.dir, 'prisma'), { recursive: true });
  await writeFile(join(project.dir, 'prisma/schema.prisma'), PRISMA_SCHEMA);
  const generated = await project.run(
    process.execPath,
    [cli, 'generate', '--schema', 'prisma/schema.prisma'],
    {
      env: {
        ...project.env,
        // No engine is needed with a driver adapter, but the CLI looks for the schema engine's file.
        PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
      timeoutMs: 120_000,
    },
  );
  if (generated.status !== 0)
    throw new Error(`prisma generate failed\n${generated.stderr}${generated.stdout}`);
}
