import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConformanceError, runOrThrow } from './command.js';
import type { ConformanceSuite } from './conformance-suite.js';
import { exportTree } from './export-tree.js';

export interface Checkout {
  readonly dir: string;
  readonly repo: string;
  readonly ref: string;
  readonly commit: string;
  /** The commit's subject line ("release 3.3.0"). */
  readonly subject: string;
  /** Versions npm resolved for the packages that matter to the result (mysql2, mocha, …). */
  readonly versions: Readonly<Record<string, string>>;
  /** True when an earlier run's install was reused. */
  readonly reused: boolean;
  readonly installMs: number;
}

const MARKER = '.goneaway-conformance.json';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The pnpm this repository pins (package.json packageManager). */
const PNPM = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string })
  .packageManager;
const REPORTED_PACKAGES = ['mysql2', 'mocha', 'typescript', 'chai', 'tarn'];

/** `--repo` may be a bare mirror (a git dir) or a working checkout. */
function gitArgs(repo: string): string[] {
  const isWorkTree = existsSync(join(repo, '.git'));
  return isWorkTree ? ['-C', repo] : ['--git-dir', repo];
}

function git(repo: string, args: readonly string[]): string {
  try {
    return execFileSync('git', [...gitArgs(repo), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new ConformanceError(`git ${args.join(' ')} in ${repo} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

function isInside(child: string, parent: string): boolean {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !path.startsWith(sep) && path !== '..');
}

function installedVersions(dir: string): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of REPORTED_PACKAGES) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file))
      versions[name] = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return versions;
}

/**
 * The host library at `ref`, exported from git (the repository itself is never written to) into `<cacheRoot>/<suite>-<commit>`, its dependencies installed with npm (`--ignore-scripts`:
 * no native builds or downloads; the mysql2 tests need none) and its build steps run. Reused by
 * later runs while the marker file says the same commit was installed and built.
 */
export async function prepareCheckout(
  suite: ConformanceSuite,
  options: { repo: string; ref: string; cacheRoot: string; log: (line: string) => void },
): Promise<Checkout> {
  const repo = resolve(options.repo);
  if (!existsSync(repo)) {
    throw new ConformanceError(
      `${suite.name}: no repository at ${repo}; pass --repo <a git dir or checkout of ${suite.name}>`,
    );
  }
  const commit = git(repo, ['rev-parse', '--verify', `${options.ref}^{commit}`]);
  const subject = git(repo, ['log', '-1', '--format=%s', commit]);
  const dir = join(resolve(options.cacheRoot), `${suite.name}-${commit.slice(0, 12)}`);
  if (isInside(dir, realpathSync(repo)) || isInside(dir, repo)) {
    throw new ConformanceError(
      `the cache dir ${dir} is inside the repository ${repo}: choose another --cache-dir`,
    );
  }
  const markerFile = join(dir, MARKER);
  if (existsSync(markerFile)) {
    const marker = JSON.parse(readFileSync(markerFile, 'utf8')) as { commit: string; installMs: number };
    if (marker.commit === commit) {
      options.log(`${suite.name}: reusing ${dir} (${subject}, ${commit.slice(0, 12)})`);
      return {
        dir,
        repo,
        ref: options.ref,
        commit,
        subject,
        versions: installedVersions(dir),
        reused: true,
        installMs: marker.installMs,
      };
    }
  }
  const started = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'install.log');
  options.log(`${suite.name}: exporting ${commit.slice(0, 12)} (${subject}) into ${dir}`);
  const skipped = await exportTree(gitArgs(repo), commit, dir);
  if (skipped.length > 0) {
    options.log(`${suite.name}: not in the repository, left out: ${skipped.join(', ')}`);
  }
  options.log(`${suite.name}: ${suite.install ?? 'npm'} install (a minute or more; log: ${logFile})`);
  if (suite.install === 'pnpm') {
    // Run from this repository: npx refuses to start inside a package whose devEngines name pnpm.
    await runOrThrow(
      `${suite.name}: pnpm install`,
      'npx',
      [
        '--yes',
        PNPM,
        '--dir',
        dir,
        'install',
        '--frozen-lockfile',
        '--ignore-scripts',
        '--config.manage-package-manager-versions=false',
        '--reporter=append-only',
      ],
      { cwd: ROOT, logFile, timeoutMs: 20 * 60_000 },
    );
  } else {
    await runOrThrow(
      `${suite.name}: npm install`,
      'npm',
      ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: dir, logFile, timeoutMs: 20 * 60_000 },
    );
  }
  for (const step of suite.buildSteps) {
    options.log(`${suite.name}: ${step.join(' ')}`);
    const [command, ...args] = step as [string, ...string[]];
    await runOrThrow(`${suite.name}: ${step.join(' ')}`, command, args, {
      cwd: dir,
      logFile,
      timeoutMs: 20 * 60_000,
    });
  }
  const installMs = Math.round(performance.now() - started);
  writeFileSync(markerFile, `${JSON.stringify({ commit, ref: options.ref, repo, installMs }, null, 2)}\n`);
  return {
    dir,
    repo,
    ref: options.ref,
    commit,
    subject,
    versions: installedVersions(dir),
    reused: false,
    installMs,
  };
}
