#!/usr/bin/env node
// The one entry point behind the root package.json scripts (`npm test`, `npm run demo`, …).
// It must work on a fresh machine with nothing but Node.js 20 and npm, so it uses no dependency:
// it brings the pinned pnpm through npx (corepack's signature check fails on these machines),
// installs the frozen lockfile, makes sure MariaDB's server binaries exist, then runs the task.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = rootPackage.packageManager; // "pnpm@10.34.8"
const [task = 'test', ...rest] = process.argv.slice(2);
const started = Date.now();

function step(message) {
  process.stdout.write(`\n▸ ${message}\n`);
}

function fail(message, code = 1) {
  process.stderr.write(`\n✖ ${message}\n`);
  process.exit(code);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function runOrFail(what, command, args, options) {
  const status = run(command, args, options);
  if (status !== 0) fail(`${what} failed (exit ${status})`, status);
}

function pnpm(args, options) {
  return run('npx', ['--yes', pnpmSpec, ...args], options);
}

function bin(name) {
  return join(root, 'node_modules', '.bin', name);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const SERVER_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/mysql/bin'];

function findMariadbd() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SERVER_DIRS];
  for (const dir of dirs) {
    if (dir && isExecutable(join(dir, 'mariadbd'))) return join(dir, 'mariadbd');
  }
  return undefined;
}

function ensureDependencies() {
  step(`installing dependencies (${pnpmSpec}, frozen lockfile)`);
  const status = pnpm(['install', '--frozen-lockfile', '--prefer-offline', '--reporter=append-only']);
  if (status !== 0)
    fail('`pnpm install --frozen-lockfile` failed: is pnpm-lock.yaml in sync with package.json?');
}

function ensureMariadb() {
  if (process.env.MYSQL_URL) {
    step('MYSQL_URL is set: tests use that server; those that must kill or restart a server are skipped');
    return;
  }
  if (findMariadbd()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    fail(
      'MariaDB server binaries (mariadbd, mariadb-install-db) are missing and this is not root.\n' +
        '  Install them with:   sudo apt-get install -y mariadb-server   (Debian/Ubuntu)\n' +
        '  or point the tests at a server you own:   MYSQL_URL=mysql://user:pass@host:port/db npm test',
    );
  }
  step(
    'mariadbd not found: installing mariadb-server with apt-get (the tests start their own private server)',
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  runOrFail('apt-get update', 'apt-get', ['update'], { env });
  runOrFail(
    'apt-get install mariadb-server',
    'apt-get',
    ['install', '-y', '--no-install-recommends', 'mariadb-server'],
    {
      env,
    },
  );
  if (!findMariadbd()) fail('mariadb-server was installed but mariadbd is still not on PATH or in /usr/sbin');
}

const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

// The cluster tests (test/cluster) need Galera and rsync (SST); without them they skip, never fail.
function ensureGalera() {
  if (process.env.MYSQL_URL) return;
  const hasRsync = (process.env.PATH ?? '')
    .split(delimiter)
    .concat(SERVER_DIRS)
    .some((dir) => dir && isExecutable(join(dir, 'rsync')));
  if (existsSync(GALERA_PROVIDER) && hasRsync) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    step(
      'galera-4 or rsync is missing and this is not root: the cluster tests will be skipped.\n' +
        '  Install them with:   sudo apt-get install -y galera-4 rsync   (Debian/Ubuntu)',
    );
    return;
  }
  step('galera-4/rsync not found: installing them with apt-get (the cluster tests start their own nodes)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const installed =
    run('apt-get', ['update'], { env }) === 0 &&
    run('apt-get', ['install', '-y', '--no-install-recommends', 'galera-4', 'rsync'], { env }) === 0;
  if (!installed) step('installing galera-4/rsync failed: the cluster tests will be skipped');
}

function build() {
  step('building @goneaway/* packages (tsdown: ESM + CJS + types)');
  const status = pnpm(['--filter', './packages/*', '--reporter-hide-prefix', 'run', 'build'], {
    stdio: ['inherit', 'ignore', 'inherit'],
  });
  if (status !== 0) {
    // Rerun loudly so the failure is readable.
    pnpm(['--filter', './packages/*', 'run', 'build']);
    fail('build failed');
  }
}

function lint() {
  step('lint + format (biome) and type check (tsc)');
  runOrFail('biome check', bin('biome'), ['check', '.']);
  runOrFail('tsc', bin('tsc'), ['--noEmit', '-p', 'tsconfig.check.json']);
}

function vitest(args) {
  step(`tests: vitest ${args.join(' ')}`.trim());
  const resultsDir = join(tmpdir(), 'goneaway-vitest');
  mkdirSync(resultsDir, { recursive: true });
  const resultsFile = join(resultsDir, `results-${process.pid}.json`);
  const status = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${resultsFile}`,
    ...args,
  ]);
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    rmSync(resultsFile, { force: true });
    const skipped = results.numPendingTests + results.numTodoTests;
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(
      `\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped (npm test took ${seconds} s)\n`,
    );
    // Where the time goes, for whoever tunes the run: the slowest files, each from its start to its end.
    const slowest = (results.testResults ?? [])
      .map((file) => ({ name: relative(process.cwd(), file.name), ms: file.endTime - file.startTime }))
      .filter((file) => Number.isFinite(file.ms))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8);
    if (slowest.length > 0) {
      process.stdout.write(
        `slowest files: ${slowest.map((file) => `${file.name} ${Math.round(file.ms / 1000)} s`).join(', ')}\n`,
      );
    }
  }
  return status;
}

switch (task) {
  case 'test': {
    ensureDependencies();
    ensureMariadb();
    ensureGalera();
    build();
    lint();
    process.exit(vitest(rest));
    break;
  }
  case 'build':
    ensureDependencies();
    build();
    break;
  case 'lint':
    ensureDependencies();
    lint();
    break;
  case 'demo':
    ensureDependencies();
    ensureMariadb();
    build();
    process.exit(run(bin('tsx'), [join(root, 'examples/demo/main.ts'), ...rest]));
    break;
  case 'bench':
    ensureDependencies();
    ensureMariadb();
    build();
    process.exit(run(bin('tsx'), [join(root, 'bench/src/main.ts'), ...rest]));
    break;
  case 'chaos':
    ensureDependencies();
    ensureMariadb();
    build();
    process.exit(run(bin('tsx'), [join(root, 'test/chaos/main.ts'), ...rest]));
    break;
  case 'conformance':
    // The host libraries' own suites, bare vs wrapped; the wrapped runs load packages/*/dist.
    ensureDependencies();
    ensureMariadb();
    build();
    process.exit(run(bin('tsx'), [join(root, 'conformance/main.ts'), ...rest]));
    break;
  default:
    fail(`unknown task "${task}": expected one of test, demo, build, lint, bench, chaos, conformance`, 2);
}
