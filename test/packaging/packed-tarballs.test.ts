import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The packages as users get them: `pnpm pack` (workspace: ranges rewritten), unpacked into a bare
 * project's node_modules, imported from plain Node in ESM and in CJS, and checked by publint and
 * are-the-types-wrong. Runs against dist/, so `npm test` builds before it.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const packages = [
  { dir: 'packages/core', name: '@goneaway/core', probe: ['classify', 'parsePolicy', 'isGoneAwayError'] },
  {
    dir: 'packages/knex-plugin',
    name: '@goneaway/knex',
    probe: ['goneAway', 'withTransactionRetry', 'stats'],
  },
  {
    dir: 'packages/doctor',
    name: '@goneaway/doctor',
    probe: ['runDoctor', 'FINDING_IDS', 'isDoctorUsageError'],
  },
  {
    dir: 'packages/mysql2',
    name: '@goneaway/mysql2',
    probe: ['wrapMysql2', 'withTransactionRetry', 'stats'],
  },
  {
    dir: 'packages/typeorm',
    name: '@goneaway/typeorm',
    probe: ['goneAwayTypeorm', 'withTransactionRetry', 'stats', 'isTransactionLost'],
  },
  {
    dir: 'packages/prisma',
    name: '@goneaway/prisma',
    probe: ['withGoneaway', 'withTransactionRetry', 'stats', 'isPacketTooLarge'],
  },
];
/** Runtime dependencies the tarballs need, linked from the workspace install (no registry access). */
const thirdParty = ['zod', 'cockatiel', 'knex', 'mysql2', 'commander', 'cli-table3', 'picocolors'];

let work: string;
const tarballs = new Map<string, string>();

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function resolveInstalled(name: string): string {
  // pnpm keeps each package's real directory under node_modules/.pnpm; the root links the dev ones.
  for (const base of ['node_modules', 'packages/core/node_modules', 'packages/doctor/node_modules']) {
    const candidate = join(root, base, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed in the workspace`);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'goneaway-pack-'));
  for (const pkg of packages) {
    const dist = join(root, pkg.dir, 'dist');
    if (!existsSync(join(dist, 'index.mjs'))) {
      throw new Error(`${pkg.dir}/dist is missing: run \`npm run build\` (npm test builds first)`);
    }
    const out = join(work, 'tarballs');
    mkdirSync(out, { recursive: true });
    run('npx', ['--yes', 'pnpm@10.34.8', 'pack', '--pack-destination', out], join(root, pkg.dir));
    const file = readdirSync(out).find((f) => f.startsWith(pkg.name.replace('@', '').replace('/', '-')));
    if (!file) throw new Error(`pnpm pack produced no tarball for ${pkg.name}`);
    tarballs.set(pkg.name, join(out, file));
  }
  const project = join(work, 'project');
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, '@goneaway'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  for (const [name, tarball] of tarballs) {
    const target = join(modules, name);
    mkdirSync(target, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], work);
  }
  for (const name of thirdParty) symlinkSync(resolveInstalled(name), join(modules, name), 'dir');
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packed tarballs', () => {
  for (const pkg of packages) {
    it(`${pkg.name} imports in ESM and CJS with the same named exports`, () => {
      const project = join(work, 'project');
      const esm = run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import * as m from '${pkg.name}'; console.log(JSON.stringify(Object.keys(m).sort()))`,
        ],
        project,
      );
      const cjs = run(
        process.execPath,
        ['-e', `console.log(JSON.stringify(Object.keys(require('${pkg.name}')).sort()))`],
        project,
      );
      const esmKeys = JSON.parse(esm) as string[];
      expect(esmKeys).toEqual(JSON.parse(cjs));
      for (const name of pkg.probe) expect(esmKeys).toContain(name);
      expect(esmKeys).not.toContain('default');
    });

    it(`${pkg.name} passes publint and are-the-types-wrong`, () => {
      const tarball = tarballs.get(pkg.name)!;
      const publint = run(join(root, 'node_modules/.bin/publint'), ['run', '--strict', tarball], root);
      expect(publint).not.toMatch(/error|warning/i);
      const attw = run(
        join(root, 'node_modules/.bin/attw'),
        [tarball, '--format', 'json', '--profile', 'node16'],
        root,
      );
      const report = JSON.parse(attw) as { analysis: { problems: unknown[] } };
      expect(report.analysis.problems).toEqual([]);
    });
  }

  it('the goneaway bin of the packed doctor runs: usage, and a refused port without echoing the password', () => {
    const project = join(work, 'project');
    const bin = join(project, 'node_modules/@goneaway/doctor/bin/goneaway.mjs');
    expect(run(process.execPath, [bin, 'doctor', '--help'], project)).toContain('Usage: goneaway doctor');
    const refused = spawnSync(
      process.execPath,
      [bin, 'doctor', 'mysql://someone:pw-secret-y@127.0.0.1:1/db'],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
    expect(refused.status).toBe(2);
    expect(refused.stdout + refused.stderr).toContain('connect-failed');
    expect(refused.stdout + refused.stderr).not.toContain('pw-secret-y');
  });

  it('the CJS and ESM builds share no state that would break `code`-based guards', () => {
    const project = join(work, 'project');
    const out = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         import * as esm from '@goneaway/core';
         const cjs = createRequire(process.cwd() + '/')('@goneaway/core');
         const e = new cjs.DatabaseUnavailableError({ attempts: 3, elapsedMs: 5000, cause: new Error('x') });
         console.log(JSON.stringify({ guard: esm.isDatabaseUnavailable(e), instance: e instanceof esm.DatabaseUnavailableError }));`,
      ],
      project,
    );
    expect(JSON.parse(out)).toEqual({ guard: true, instance: false });
  });
});
