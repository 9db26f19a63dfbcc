import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { npmEnvironment, type Semaphore } from '../packaging/fresh-npm-project.js';

const execFileAsync = promisify(execFile);

/** Where the host libraries' other versions come from (a mirror in CI: GONEAWAY_MATRIX_REGISTRY). */
export const PUBLIC_REGISTRY = process.env.GONEAWAY_MATRIX_REGISTRY ?? 'https://registry.npmjs.org/';

/**
 * npm's cache for the matrix, kept between runs (tarballs by integrity, packuments revalidated),
 * so a second run downloads almost nothing.
 */
export const MATRIX_NPM_CACHE = process.env.GONEAWAY_MATRIX_CACHE ?? defaultCacheDir();

function defaultCacheDir(): string {
  const preferred = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'goneaway-matrix', 'npm');
  try {
    mkdirSync(preferred, { recursive: true });
    return preferred;
  } catch {
    // A read-only or missing home (some CI users): a cache that lasts as long as the temp dir.
    return join(tmpdir(), 'goneaway-matrix', 'npm');
  }
}

/** The public registry could not be reached: the matrix is skipped with this reason, not failed. */
export class RegistryUnreachableError extends Error {
  override name = 'RegistryUnreachableError';
}

/**
 * What npm prints when it could not talk to the registry at all (DNS, refused, reset, timeout, TLS,
 * a 5xx from the registry), as opposed to an answer it did not like (ETARGET, ERESOLVE, E404).
 */
const NETWORK_FAILURE =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT|EPROTO|UNABLE_TO_GET_ISSUER_CERT\w*|SELF_SIGNED_CERT\w*|E50[0234])\b|npm error network /;

/** Whether npm's output says the registry was unreachable (and not that a version is missing or broken). */
export function isNetworkFailure(output: string): boolean {
  return NETWORK_FAILURE.test(output);
}

/** The environment `npm view` runs with: a clean shell, no user config, the matrix's cache. */
export function registryEnvironment(root: string): NodeJS.ProcessEnv {
  return npmEnvironment(root, {
    registry: PUBLIC_REGISTRY,
    userconfig: '/dev/null',
    cacheDir: MATRIX_NPM_CACHE,
  });
}

/**
 * Throws RegistryUnreachableError, quickly, when the registry does not answer: one lookup without
 * npm's retries (by default they wait out 10 s, 20 s, … before giving up).
 */
export async function assertRegistryReachable(root: string, slot: Semaphore): Promise<void> {
  await npmView(root, 'mysql2@3', slot, ['--fetch-retries=0', '--fetch-timeout=20000']);
}

/**
 * Every published version of `name` in `range` (`npm view name@range version`), newest last.
 * Throws RegistryUnreachableError when npm could not reach the registry.
 */
export async function publishedVersions(
  root: string,
  name: string,
  range: string,
  slot: Semaphore,
): Promise<string[]> {
  const versions = await npmView(root, `${name}@${range}`, slot, [
    '--fetch-retries=1',
    '--fetch-retry-mintimeout=2000',
  ]);
  if (versions.length === 0) throw new Error(`no published version of ${name} matches ${range}`);
  return versions;
}

async function npmView(
  root: string,
  spec: string,
  slot: Semaphore,
  flags: readonly string[],
): Promise<string[]> {
  const { stdout } = await slot(() =>
    execFileAsync('npm', ['view', spec, 'version', '--json', '--prefer-online', ...flags], {
      env: registryEnvironment(root),
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    }),
  ).catch((error: { stdout?: string; stderr?: string; message?: string; killed?: boolean }) => {
    const output = `${error.stderr ?? ''}${error.stdout ?? ''}${error.message ?? ''}`;
    if (error.killed) {
      throw new RegistryUnreachableError(
        `npm view ${spec} got no answer from ${PUBLIC_REGISTRY} within 60 s`,
      );
    }
    if (isNetworkFailure(output)) {
      throw new RegistryUnreachableError(
        `npm view ${spec} could not reach ${PUBLIC_REGISTRY}: ${firstErrorLine(output)}`,
      );
    }
    throw new Error(`npm view ${spec} failed: ${output}`);
  });
  const text = stdout.trim();
  const parsed = text === '' ? [] : (JSON.parse(text) as string | string[]);
  return (Array.isArray(parsed) ? parsed : [parsed]).sort(compareReleases);
}

/** The newest published version of `name` in `range`. */
export async function newestVersion(
  root: string,
  name: string,
  range: string,
  slot: Semaphore,
): Promise<string> {
  return (await publishedVersions(root, name, range, slot)).at(-1)!;
}

/** Release order of plain x.y.z versions (npm view leaves prereleases out of a range). */
export function compareReleases(a: string, b: string): number {
  const parse = (version: string) => version.split(/[.+-]/, 3).map((part) => Number.parseInt(part, 10) || 0);
  const [pa, pb] = [parse(a), parse(b)];
  for (let index = 0; index < 3; index++) {
    const difference = (pa[index] ?? 0) - (pb[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** npm's one-line summary of the failure (`FetchError: request to … failed, reason: …`). */
function firstErrorLine(output: string): string {
  const lines = output.split('\n').map((line) => line.replace(/^npm error /, '').trim());
  return (
    lines.find((line) => line.startsWith('FetchError')) ??
    lines.find((line) => NETWORK_FAILURE.test(line)) ??
    lines[0]!
  ).slice(0, 300);
}
