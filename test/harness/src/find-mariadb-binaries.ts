import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { MariaDBNotInstalledError } from './harness-error.js';

const execFileAsync = promisify(execFile);

/** Where distributions put the server binaries when they are not on PATH (sbin is often missing for non-root). */
const FALLBACK_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/mysql/bin', '/usr/local/sbin', '/usr/local/bin'];

export interface MariaDBBinaries {
  readonly mariadbd: string;
  readonly installDb: string;
  /** `setpriv` (util-linux), used to make mariadbd die with the process that started it, when present. */
  readonly setpriv: string | undefined;
  /** `mariadbd --version` output, e.g. `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64`. */
  readonly version: string;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findExecutable(
  names: readonly string[],
  dirs: readonly string[],
): Promise<string | undefined> {
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

let cached: Promise<MariaDBBinaries> | undefined;

/**
 * Finds `mariadbd` and `mariadb-install-db` (PATH first, then the usual install locations).
 * Throws MariaDBNotInstalledError naming what to install. The answer is cached for the process.
 */
export function findMariaDBBinaries(): Promise<MariaDBBinaries> {
  cached ??= locate().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function locate(): Promise<MariaDBBinaries> {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  const dirs = [...new Set([...pathDirs, ...FALLBACK_DIRS])];
  // Older packages only ship the mysql_* names; they are the same programs.
  const mariadbd = await findExecutable(['mariadbd', 'mysqld'], dirs);
  const installDb = await findExecutable(['mariadb-install-db', 'mysql_install_db'], dirs);
  const missing = [...(mariadbd ? [] : ['mariadbd']), ...(installDb ? [] : ['mariadb-install-db'])];
  if (!mariadbd || !installDb) throw new MariaDBNotInstalledError(missing, FALLBACK_DIRS);
  // GONEAWAY_NO_PDEATHSIG=1 leaves only the exit/signal handlers (as on other platforms), to test them alone.
  const wantSetpriv = process.platform === 'linux' && !process.env.GONEAWAY_NO_PDEATHSIG;
  const setpriv = wantSetpriv ? await findExecutable(['setpriv'], dirs) : undefined;
  const { stdout } = await execFileAsync(mariadbd, ['--version']);
  const version = stdout.trim();
  if (!/mariadb/i.test(version)) {
    // MySQL's mysqld takes other bootstrap flags (--initialize-insecure); the harness speaks MariaDB only.
    throw new MariaDBNotInstalledError([`mariadbd (${mariadbd} is not MariaDB: ${version})`], FALLBACK_DIRS);
  }
  return { mariadbd, installDb, setpriv, version };
}
