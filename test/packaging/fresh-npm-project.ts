import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import {
  describeTarball,
  type LocalRegistry,
  packInstalledDirectory,
  type RegistryTarball,
  startLocalRegistry,
} from './local-registry.js';

const execFileAsync = promisify(execFile);
const PNPM = 'pnpm@10.34.8';

export interface FreshProjectOptions {
  /** The workspace root. */
  root: string;
  /**
   * Our tarballs, when several projects share one `packWorkspace()`; packed into the project's own
   * temp dir otherwise.
   */
  ours?: ReadonlyMap<string, RegistryTarball>;
  /**
   * Third-party packages the fresh project may install, served with their runtime dependencies from
   * the workspace's installed copies (no network). Not with `publicRegistry`.
   */
  thirdParty?: readonly string[];
  /**
   * Install every third-party package from this registry instead (versions the workspace does not
   * hold): only the `@goneaway` scope comes from the loopback registry, so none of our names is
   * ever looked up there. `cacheDir` is npm's cache, kept between runs to make them fast.
   */
  publicRegistry?: { url: string; cacheDir: string };
  /** package.json of the fresh project before the first install (e.g. README-prescribed overrides). */
  packageJson: Record<string, unknown>;
  /** Each entry is one `npm install …` command line's arguments, run in order. */
  installs: readonly (readonly string[])[];
  /** How long one `npm install` may take (default 60 s). */
  installTimeoutMs?: number;
  /** Commands run() lets run at once (concurrent tests queue): the machine's 2 cores by default. */
  concurrency?: number;
  /** A slot shared with other projects (see `semaphore()`), instead of a `concurrency` of its own. */
  slot?: Semaphore;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /**
   * Called with each line the command prints on stdout as it prints it, and a function that writes
   * to its stdin (a program that waits for the test to do something, then goes on).
   */
  onStdoutLine?: (line: string, writeStdin: (text: string) => void) => void;
}

export interface FreshProject {
  /** The project directory (outside the workspace). */
  dir: string;
  /** An empty directory beside the project: somewhere nothing is installed. */
  scratch: string;
  /** Our tarballs as packed for publishing, by package name. */
  ours: ReadonlyMap<string, RegistryTarball>;
  registry: LocalRegistry;
  /** The environment of a clean shell pointed at the local registry: no npm_* from `npm test`. */
  env: NodeJS.ProcessEnv;
  timings: Record<string, number>;
  /** What each `npm install` printed (stdout and stderr), in order. */
  installOutput: string[];
  /**
   * Runs a command in the project (or `cwd`) with `env`, at most `concurrency` at once; killed
   * after `timeoutMs` (default 60 s) from its start.
   */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  dispose(): Promise<void>;
}

/**
 * A new npm project outside the workspace that installs our packages the way a user does: `pnpm
 * pack` (what `pnpm publish` uploads, with publishConfig applied and workspace: ranges rewritten),
 * served by a loopback npm registry, then plain `npm install <names>`. By default the registry also
 * serves every third-party dependency, made from the workspace's installed copies, so CI needs no
 * network and installs the same versions the rest of the suite tests; with `publicRegistry` npm
 * takes the third-party packages from there instead (test/matrix: other versions of the host
 * libraries).
 */
export async function createFreshNpmProject(options: FreshProjectOptions): Promise<FreshProject> {
  const timings: Record<string, number> = {};
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[label] = Math.round(performance.now() - started);
    }
  };

  if (options.publicRegistry && options.thirdParty?.length) {
    throw new Error('thirdParty (served from the workspace) and publicRegistry exclude each other');
  }
  const work = await mkdtemp(join(tmpdir(), 'goneaway-fresh-'));
  if (!relative(options.root, work).startsWith('..')) {
    throw new Error(`the fresh project must live outside the workspace, got ${work}`);
  }
  let registry: LocalRegistry | undefined;
  try {
    const tarballDir = join(work, 'tarballs');
    await mkdir(tarballDir);
    const ours = options.ours ?? (await timed('pack ours', () => packWorkspace(options.root, tarballDir)));
    let theirs: RegistryTarball[] = [];
    if (!options.publicRegistry) {
      // Our runtime dependencies come from the same place as the packages the user installs beside them.
      const ourDependencies = [...ours.values()].flatMap((tarball) =>
        Object.keys((tarball.manifest.dependencies ?? {}) as Record<string, string>),
      );
      const seeds = [...new Set([...(options.thirdParty ?? []), ...ourDependencies])].filter(
        (name) => !ours.has(name),
      );
      theirs = await timed('pack third-party', () => packThirdParty(options.root, seeds, tarballDir));
    }
    const served = await startLocalRegistry([...ours.values(), ...theirs]);
    registry = served;

    const dir = join(work, 'project');
    const scratch = join(work, 'scratch');
    await Promise.all([mkdir(dir), mkdir(scratch)]);
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(options.packageJson, null, 2)}\n`);
    // Nothing from the machine's ~/.npmrc (registries, tokens) applies; with a public registry, only
    // our scope is the loopback one's.
    await writeFile(join(work, 'npmrc'), options.publicRegistry ? `@goneaway:registry=${served.url}\n` : '');
    const env = npmEnvironment(options.root, {
      registry: options.publicRegistry?.url ?? served.url,
      userconfig: join(work, 'npmrc'),
      cacheDir: options.publicRegistry?.cacheDir ?? join(work, 'npm-cache'),
    });
    const slot = options.slot ?? semaphore(options.concurrency ?? 2);
    const run: FreshProject['run'] = (command, args, runOptions = {}) =>
      slot(() =>
        spawnCollect(command, args, {
          cwd: runOptions.cwd ?? dir,
          env: runOptions.env ?? env,
          timeoutMs: runOptions.timeoutMs ?? 60_000,
          onStdoutLine: runOptions.onStdoutLine,
        }),
      );

    const installOutput: string[] = [];
    for (const args of options.installs) {
      const result = await timed(`npm install ${args.join(' ')}`, () =>
        run('npm', ['install', ...args], { timeoutMs: options.installTimeoutMs ?? 60_000 }),
      );
      installOutput.push(result.stdout + result.stderr);
      if (result.status !== 0) {
        throw new Error(
          `npm install ${args.join(' ')} failed (${result.status}); not served: ${[...served.misses].join(', ') || 'none'}\n${result.stderr}${result.stdout}`,
        );
      }
    }

    return {
      dir,
      scratch,
      ours,
      registry: served,
      env,
      timings,
      installOutput,
      run,
      async dispose() {
        await served.close();
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await registry?.close();
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/** One `pnpm pack` for every package under packages/ (the build must have run). */
export async function packWorkspace(root: string, outDir: string): Promise<Map<string, RegistryTarball>> {
  const { stdout } = await execFileAsync(
    'npx',
    ['--yes', PNPM, '--filter', './packages/*', 'pack', '--pack-destination', outDir, '--json'],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
  const packed = JSON.parse(stdout) as
    | { name: string; filename: string }[]
    | { name: string; filename: string };
  const list = Array.isArray(packed) ? packed : [packed];
  const tarballs = new Map<string, RegistryTarball>();
  for (const entry of list) tarballs.set(entry.name, await describeTarball(entry.filename));
  return tarballs;
}

/**
 * The named packages and everything they need at run time (dependencies, optional dependencies and
 * non-optional peers), found the way Node resolves them from the workspace's own installs, each
 * packed again from its real directory in node_modules/.pnpm.
 */
async function packThirdParty(
  root: string,
  names: readonly string[],
  outDir: string,
): Promise<RegistryTarball[]> {
  const bases = [root, ...workspacePackageDirs(root)];
  const dirs = new Map<string, string>();
  const visit = (dir: string) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const key = `${manifest.name}@${manifest.version}`;
    if (dirs.has(key)) return;
    dirs.set(key, dir);
    const required = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}).filter(
        (peer) => manifest.peerDependenciesMeta?.[peer]?.optional !== true,
      ),
    ];
    for (const name of required) {
      const found = resolvePackageDir(dir, name);
      if (found) visit(found);
      else if (
        !(name in (manifest.optionalDependencies ?? {})) &&
        !(name in (manifest.peerDependencies ?? {}))
      ) {
        throw new Error(`${key} needs ${name}, which the workspace has not installed`);
      }
    }
  };
  for (const name of names) {
    const found = bases.map((base) => resolvePackageDir(base, name)).find((dir) => dir !== undefined);
    if (!found) throw new Error(`${name} is not installed in the workspace`);
    visit(found);
  }
  return mapLimit([...dirs.values()], 4, (dir) => packInstalledDirectory(dir, outDir));
}

function workspacePackageDirs(root: string): string[] {
  const packages = join(root, 'packages');
  return ['core', 'knex-plugin', 'mysql2', 'typeorm', 'prisma', 'doctor']
    .map((name) => join(packages, name))
    .filter((dir) => existsSync(dir));
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent's; the real path (pnpm links). */
function resolvePackageDir(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export type Semaphore = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs at most `limit` of the given tasks at a time, the others in the order they asked. */
export function semaphore(limit: number): Semaphore {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolveTurn) => waiting.push(resolveTurn));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/**
 * The environment of a clean shell whose npm uses `registry`, the user config file `userconfig` and
 * the cache `cacheDir`, quietly (no audit, fund or update notices).
 */
export function npmEnvironment(
  root: string,
  npm: { registry: string; userconfig: string; cacheDir: string },
): NodeJS.ProcessEnv {
  return cleanEnvironment(root, {
    npm_config_registry: npm.registry,
    npm_config_userconfig: npm.userconfig,
    npm_config_cache: npm.cacheDir,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'warn',
  });
}

/**
 * The environment a user's shell would have: `npm test` exports npm_config_* (its own prefix and
 * registry among them) and puts the workspace's node_modules/.bin on PATH; none of that may leak
 * into the fresh project.
 */
function cleanEnvironment(root: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'NODE_PATH' || key === 'NODE_OPTIONS' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && relative(root, entry).startsWith('..'))
    .join(delimiter);
  return { ...env, ...extra };
}

function spawnCollect(
  command: string,
  args: readonly string[],
  options: Required<Omit<RunOptions, 'onStdoutLine'>> & Pick<RunOptions, 'onStdoutLine'>,
): Promise<RunResult> {
  return new Promise((resolveRun, rejectRun) => {
    const { onStdoutLine } = options;
    // Its own process group, so that a timeout also ends what npx or npm started under it.
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    // The program may exit without reading what the test wrote last.
    child.stdin.on('error', () => {});
    // Nothing to say to it: it reads end-of-file, as from a closed terminal.
    if (!onStdoutLine) child.stdin.end();
    const writeStdin = (text: string) => {
      if (child.stdin.writable) child.stdin.write(text);
    };
    // A program that hangs fails its test instead of the whole run's timeout.
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs);
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!onStdoutLine) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onStdoutLine(line, writeStdin);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      rejectRun(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolveRun({ status, stdout, stderr: signal ? `${stderr}\n(killed: ${signal})` : stderr });
    });
  });
}
