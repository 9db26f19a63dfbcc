import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HarnessError } from './harness-error.js';

/** Debian/Ubuntu's galera-4 path (NOTES-galera.md). */
export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';
/** Other distributions' paths; GONEAWAY_GALERA_PROVIDER, when set, is the only one tried. */
const OTHER_PROVIDERS = ['/usr/lib64/galera-4/libgalera_smm.so', '/usr/lib/galera-4/libgalera_smm.so'];

/** The Galera provider library to load, undefined when none is installed. */
export function galeraProvider(): string | undefined {
  const override = process.env.GONEAWAY_GALERA_PROVIDER;
  const candidates = override ? [override] : [GALERA_PROVIDER, ...OTHER_PROVIDERS];
  return candidates.find(canRead);
}
const SST_SCRIPT = 'wsrep_sst_rsync';
const SEARCH_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/bin'];

/** The OS user Galera nodes run as when this process is root: rsync SST cannot write a root-owned datadir. */
export const GALERA_OS_USER = 'mysql';

function canRead(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SEARCH_DIRS].filter(Boolean);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** uid/gid of the `mysql` user, undefined when there is none. */
export function galeraOsUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', GALERA_OS_USER], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const gid = Number(execFileSync('id', ['-g', GALERA_OS_USER], { stdio: ['ignore', 'pipe', 'ignore'] }));
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

let cachedReason: string | undefined | null = null;

/**
 * Why a Galera cluster cannot start here (undefined: it can). Cluster tests skip with this reason
 * rather than fail: `describe.skipIf(galeraUnavailableReason() !== undefined)`.
 */
export function galeraUnavailableReason(): string | undefined {
  if (cachedReason !== null) return cachedReason;
  const missing: string[] = [];
  if (process.platform !== 'linux') {
    cachedReason = 'the Galera cluster harness runs on Linux only';
    return cachedReason;
  }
  if (!galeraProvider()) {
    missing.push(`galera-4 (${process.env.GONEAWAY_GALERA_PROVIDER || GALERA_PROVIDER})`);
  }
  if (!onPath('rsync')) missing.push('rsync');
  if (!onPath(SST_SCRIPT)) missing.push(`${SST_SCRIPT} (mariadb-server)`);
  if (missing.length > 0) {
    cachedReason =
      `Galera is not installed: missing ${missing.join(', ')}. ` +
      'Install with `sudo apt-get install -y galera-4 rsync` (or run `npm test` as root: the bootstrap installs them).';
  } else if (isRoot() && !galeraOsUser()) {
    cachedReason = `running as root but there is no "${GALERA_OS_USER}" user to run the Galera nodes as (rsync SST needs it)`;
  } else {
    cachedReason = undefined;
  }
  return cachedReason;
}

export class GaleraNotInstalledError extends HarnessError {
  override name = 'GaleraNotInstalledError';

  constructor(reason: string) {
    super('HARNESS_GALERA_NOT_INSTALLED', reason);
  }
}
