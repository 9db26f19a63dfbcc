import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { MariaDBBinaries } from './find-mariadb-binaries.js';
import { MariaDBStartError } from './harness-error.js';
import { readLogTail } from './log-tail.js';
import {
  DEFAULT_SERVER_OPTIONS,
  mergeServerOptions,
  type ServerOptions,
  toCommandLine,
} from './server-options.js';

/** Bump when the template's content changes, so stale caches from older harness versions are not reused. */
const TEMPLATE_FORMAT = 1;
const MARKER_FILE = 'goneaway-template.json';

/**
 * Run at the end of the bootstrap: no `root@<hostname>` entries (ignored, with a warning, under
 * skip-name-resolve) and empty help tables (2.5 MB less to copy for every server).
 */
const EXTRA_SQL = `
DELETE FROM mysql.global_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');
DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');
TRUNCATE TABLE mysql.help_topic;
TRUNCATE TABLE mysql.help_category;
TRUNCATE TABLE mysql.help_keyword;
TRUNCATE TABLE mysql.help_relation;
`;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** mariadbd refuses to run as root unless told which user to run as. */
export function runAsArgs(): string[] {
  return isRoot() ? ['--user=root'] : [];
}

/**
 * Creates a fresh datadir with `mariadb-install-db` (about a second): root@127.0.0.1/localhost with an
 * empty password, no test database. `initOptions` are the init-time options of the servers that will use it.
 */
export async function initializeDatadir(
  binaries: MariaDBBinaries,
  datadir: string,
  initOptions: ServerOptions,
): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'goneaway-mariadb-init-'));
  const logFile = join(workDir, 'install.log');
  try {
    const extraFile = join(workDir, 'extra.sql');
    await writeFile(extraFile, EXTRA_SQL);
    const options = mergeServerOptions(DEFAULT_SERVER_OPTIONS, initOptions);
    const args = [
      '--no-defaults',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      `--datadir=${datadir}`,
      `--extra-file=${extraFile}`,
      `--log-error=${logFile}`,
      // Not the shared /tmp: a starting mariadbd deletes the '#sql*' files there (other servers' own).
      `--tmpdir=${workDir}`,
      ...runAsArgs(),
      ...toCommandLine(options).filter((arg) => arg !== '--skip_name_resolve'),
    ];
    const failure = await runInstallDb(binaries.installDb, args);
    if (failure) {
      const logTail = await readLogTail(logFile);
      throw new MariaDBStartError(
        'HARNESS_DATADIR_INIT_FAILED',
        `mariadb-install-db failed for ${datadir}: ${failure.reason}`,
        [failure.outputTail, logTail].filter(Boolean).join('\n'),
      );
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Resolves with undefined on success, or what went wrong (install-db prints its hints on stdout). */
function runInstallDb(
  installDb: string,
  args: readonly string[],
): Promise<{ reason: string; outputTail: string } | undefined> {
  return new Promise((resolve) => {
    execFile(installDb, args, { maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(undefined);
      const outputTail = `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n');
      resolve({ reason: error.message.split('\n')[0] ?? 'failed', outputTail });
    });
  });
}

function templateKey(binaries: MariaDBBinaries, initOptions: ServerOptions): string {
  const identity = JSON.stringify({
    format: TEMPLATE_FORMAT,
    version: binaries.version,
    mariadbd: binaries.mariadbd,
    defaults: DEFAULT_SERVER_OPTIONS,
    initOptions,
    uid: userInfo().uid,
  });
  const versionLabel = /(\d+\.\d+\.\d+)/.exec(binaries.version)?.[1] ?? 'unknown';
  return `${versionLabel}-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`;
}

/** Whether a finished cache entry is at `dir`: its marker file is written last, before the rename. */
export async function hasMarker(dir: string, marker = MARKER_FILE): Promise<boolean> {
  try {
    await readFile(join(dir, marker), 'utf8');
    return true;
  } catch {
    return false;
  }
}

/**
 * Renames a finished `datadir` (its `marker` written) to the cache path `finalDir`. A concurrent
 * builder that got there first wins (its entry is as good); a leftover without a marker was never
 * finished and is replaced.
 */
export async function moveIntoCache(datadir: string, finalDir: string, marker = MARKER_FILE): Promise<void> {
  try {
    await rename(datadir, finalDir);
  } catch (error) {
    if (await hasMarker(finalDir, marker)) return;
    await rm(finalDir, { recursive: true, force: true });
    try {
      await rename(datadir, finalDir);
    } catch {
      if (!(await hasMarker(finalDir, marker))) throw error;
    }
  }
}

const templates = new Map<string, Promise<string>>();

/**
 * The path of an initialised datadir to copy, cached across processes (vitest workers, later runs) in
 * `<tmpdir>/goneaway-mariadb-templates/<version>-<hash>`. It is built aside and renamed into place, so
 * a concurrent builder or an interrupted run never leaves a half-made template behind that path.
 */
export function templateDatadir(binaries: MariaDBBinaries, initOptions: ServerOptions): Promise<string> {
  const key = templateKey(binaries, initOptions);
  let template = templates.get(key);
  if (!template) {
    template = buildTemplate(binaries, initOptions, key).catch((error: unknown) => {
      templates.delete(key);
      throw error;
    });
    templates.set(key, template);
  }
  return template;
}

async function buildTemplate(
  binaries: MariaDBBinaries,
  initOptions: ServerOptions,
  key: string,
): Promise<string> {
  const root = join(tmpdir(), 'goneaway-mariadb-templates');
  const finalDir = join(root, key);
  if (await hasMarker(finalDir)) return finalDir;
  await mkdir(root, { recursive: true });
  const buildDir = await mkdtemp(join(root, `.build-${key}-`));
  try {
    const datadir = join(buildDir, 'data');
    await initializeDatadir(binaries, datadir, initOptions);
    await writeFile(
      join(datadir, MARKER_FILE),
      JSON.stringify({ version: binaries.version, initOptions, createdAt: new Date().toISOString() }),
    );
    await moveIntoCache(datadir, finalDir);
    return finalDir;
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/** Copies the template into `datadir` (a fresh path). */
export async function copyTemplate(template: string, datadir: string): Promise<void> {
  // Not the template's own marker files (goneaway-template.json, goneaway-galera-seed.json).
  await cp(template, datadir, {
    recursive: true,
    errorOnExist: true,
    force: false,
    filter: (src) => dirname(src) !== template || !/^goneaway-.*\.json$/.test(basename(src)),
  });
}
