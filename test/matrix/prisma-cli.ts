import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Semaphore } from '../packaging/fresh-npm-project.js';
import { MATRIX_NPM_CACHE, registryEnvironment } from './public-registry.js';
import { lockedVersion } from './resolve-matrix.js';

const execFileAsync = promisify(execFile);

/** Installed CLIs by version, beside the npm cache: a version never changes, so they are kept. */
const CLI_DIR = join(dirname(MATRIX_NPM_CACHE), 'prisma-cli');

const CLI_ENTRY = ['node_modules', 'prisma', 'build', 'index.js'];

/** Rows of this run that need the same CLI share one install. */
const installing = new Map<string, Promise<string>>();

/**
 * The build/index.js of prisma CLI `version`, for `prisma generate` in a fresh project. The workspace's
 * own CLI when it is that version; otherwise installed once (with its dependencies, 300 MB: not
 * into every project) under the matrix cache and reused by later runs. Its install scripts are
 * skipped: they download engines from outside the npm registry, and generate needs none.
 */
export function prismaCli(root: string, version: string, slot: Semaphore): Promise<string> {
  if (lockedVersion(root, 'prisma') === version) return Promise.resolve(join(root, ...CLI_ENTRY));
  let cli = installing.get(version);
  if (!cli) {
    cli = installCli(root, version, slot);
    installing.set(version, cli);
  }
  return cli;
}

async function installCli(root: string, version: string, slot: Semaphore): Promise<string> {
  const dir = join(CLI_DIR, version);
  const entry = join(dir, ...CLI_ENTRY);
  if (existsSync(entry)) return entry;
  await mkdir(CLI_DIR, { recursive: true });
  // Installed beside, then renamed into place: a run that stops halfway leaves no half CLI behind.
  const staging = await mkdtemp(join(CLI_DIR, `.${version}-`));
  try {
    await writeFile(join(staging, 'package.json'), '{"private":true}\n');
    await slot(() =>
      execFileAsync(
        'npm',
        ['install', '--ignore-scripts', '--no-package-lock', '--prefer-offline', `prisma@${version}`],
        { cwd: staging, env: registryEnvironment(root), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      ),
    );
    await rename(staging, dir).catch((error: { code?: string }) => {
      // Another run installed the same version meanwhile: use that one.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return entry;
}
