import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { MariaDBBinaries } from './find-mariadb-binaries.js';
import { findFreePort } from './free-port.js';
import { galeraProvider } from './galera-availability.js';
import { GaleraNode } from './galera-node.js';
import { MariaDBStartError } from './harness-error.js';
import { copyTemplate, hasMarker, moveIntoCache } from './mariadb-datadir.js';
import type { ServerOptions } from './server-options.js';

const execFileAsync = promisify(execFile);

/** Bump when what a seed holds changes. */
const SEED_FORMAT = 1;
const SEED_MARKER = 'goneaway-galera-seed.json';
const SEED_START_TIMEOUT_MS = 60_000;

type RunAs = { readonly user: string; readonly uid: number; readonly gid: number } | undefined;

/**
 * A datadir every node of a new cluster starts from, with a Galera state (cluster UUID and seqno, in
 * InnoDB and grastate.dat) that a one-node cluster left at a clean shutdown. Nodes copied from it
 * share that state: the first bootstraps from it, the others join without a state transfer (their
 * position is the group's), so a 3-node cluster is up in a few seconds, not after two rsync SSTs one
 * after the other (6-7 s each here when idle, 30 s and more in a full CI run). Cached across processes
 * like the plain template, under `<tmpdir>/goneaway-mariadb-templates/galera-seed-<hash>`.
 */
export function galeraSeedDatadir(
  binaries: MariaDBBinaries,
  template: string,
  options: ServerOptions,
  runAs: RunAs,
): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify({ SEED_FORMAT, template, options, provider: galeraProvider(), uid: runAs?.uid }))
    .digest('hex')
    .slice(0, 12);
  let seed = seeds.get(key);
  if (!seed) {
    seed = buildSeed(binaries, template, options, runAs, key).catch((error: unknown) => {
      seeds.delete(key);
      throw error;
    });
    seeds.set(key, seed);
  }
  return seed;
}

const seeds = new Map<string, Promise<string>>();

async function buildSeed(
  binaries: MariaDBBinaries,
  template: string,
  options: ServerOptions,
  runAs: RunAs,
  key: string,
): Promise<string> {
  const root = join(tmpdir(), 'goneaway-mariadb-templates');
  const finalDir = join(root, `galera-seed-${key}`);
  if (await hasMarker(finalDir, SEED_MARKER)) return finalDir;
  await mkdir(root, { recursive: true });
  const buildDir = await mkdtemp(join(root, `.build-galera-seed-${key}-`));
  const datadir = join(buildDir, 'data');
  const node = new GaleraNode({
    index: 1,
    binaries,
    provider: galeraProvider() ?? '',
    dir: buildDir,
    datadir,
    logFile: join(buildDir, 'error.log'),
    ports: {
      sql: await findFreePort(),
      group: await findFreePort(),
      ist: await findFreePort(),
      sst: await findFreePort(),
    },
    clusterGroupPorts: [],
    clusterName: 'goneaway-seed',
    options,
    providerOptions: '',
    runAs,
    appPassword: '',
  });
  try {
    await copyTemplate(template, datadir);
    await writeFile(node.logFile, '');
    if (runAs) await execFileAsync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, buildDir]);
    await node.launch(SEED_START_TIMEOUT_MS, true);
    await node.waitForSynced(1, SEED_START_TIMEOUT_MS);
    // A clean shutdown writes the position to InnoDB and grastate.dat (safe_to_bootstrap: 1).
    await node.query('SHUTDOWN').catch(() => undefined);
    const deadline = Date.now() + SEED_START_TIMEOUT_MS;
    while (node.running && Date.now() < deadline) await delay(50);
    const grastate = await readFile(join(datadir, 'grastate.dat'), 'utf8').catch(() => '');
    if (node.running || !/safe_to_bootstrap:\s*1/.test(grastate) || /seqno:\s*-1/.test(grastate)) {
      throw new MariaDBStartError(
        'HARNESS_START_FAILED',
        `the Galera seed datadir (${datadir}) was not shut down cleanly`,
        `${grastate}\n${await node.logTail(30)}`,
      );
    }
    // Each cluster writes its own gcache; the seed's would only be copied for nothing.
    await rm(join(datadir, 'galera.cache'), { force: true });
    await writeFile(join(datadir, SEED_MARKER), JSON.stringify({ createdAt: new Date().toISOString() }));
    await moveIntoCache(datadir, finalDir, SEED_MARKER);
    return finalDir;
  } finally {
    await node.destroy();
    await rm(buildDir, { recursive: true, force: true });
  }
}
