import { execFile } from 'node:child_process';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFreshNpmProject, type FreshProject, type RunResult } from './fresh-npm-project.js';
import { generatePrismaClient } from './generate-prisma-client.js';
import {
  extractSnippets,
  type ReadmeSnippet,
  readmeLocation,
  snippetFileName,
  snippetSource,
} from './readme-snippets.js';

/**
 * The packages as users get them. `pnpm pack` (what `pnpm publish` uploads: publishConfig applied,
 * workspace: ranges rewritten) once; then a new project outside the workspace runs a real `npm
 * install` of them and of their third-party dependencies from a loopback registry (see
 * fresh-npm-project.ts), and every entry point is called from `require()` and from `import` by
 * plain `node` against the run's MariaDB, the `goneaway` bin is run through `npx` as the README
 * says, and the READMEs' TypeScript blocks are compiled with the tsconfig `tsc --init` writes.
 * Runs against dist/, so `npm test` builds before it.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const consumerDir = join(root, 'test/packaging/consumer');
const prismaCli = join(root, 'node_modules/prisma/build/index.js');

const packages: {
  dir: string;
  name: string;
  probe: string[];
  /** Entry points besides the root, each with names it must export. */
  subpaths?: Record<string, string[]>;
}[] = [
  {
    dir: 'packages/core',
    name: '@goneaway/core',
    probe: ['classify', 'parsePolicy', 'isGoneAwayError', 'runTransactionWithRetry'],
    subpaths: {
      public: ['GoneAwayConfigError', 'isDeadlock', 'GONEAWAY_CODES', 'GONEAWAY_EVENT_TYPES'],
      adapter: ['ConnectionPipeline', 'IdleReaper', 'createRetryEngine', 'assertSupportedVersion'],
    },
  },
  {
    dir: 'packages/knex-plugin',
    name: '@goneaway/knex',
    probe: ['goneAway', 'goneAwayKnex', 'withTransactionRetry', 'stats', 'GoneAwayConfigError'],
  },
  {
    dir: 'packages/doctor',
    name: '@goneaway/doctor',
    probe: ['runDoctor', 'FINDING_IDS', 'isDoctorUsageError'],
  },
  {
    dir: 'packages/mysql2',
    name: '@goneaway/mysql2',
    probe: ['goneAwayMysql2', 'wrapMysql2', 'withTransactionRetry', 'stats', 'GoneAwayConfigError'],
    subpaths: { adapter: ['poolCommitMarker'] },
  },
  {
    dir: 'packages/typeorm',
    name: '@goneaway/typeorm',
    probe: ['goneAwayTypeorm', 'withTransactionRetry', 'stats', 'isTransactionLost'],
  },
  {
    dir: 'packages/prisma',
    name: '@goneaway/prisma',
    probe: ['goneAwayPrisma', 'withGoneaway', 'withTransactionRetry', 'stats', 'isPacketTooLarge'],
  },
  {
    dir: 'packages/sequelize',
    name: '@goneaway/sequelize',
    probe: ['goneAwaySequelize', 'withTransactionRetry', 'stats', 'findGoneAwayError'],
  },
];

/** The packages that re-export @goneaway/core/public whole (test/surface checks the sources). */
const adapterPackages = ['@goneaway/knex', '@goneaway/mysql2', '@goneaway/typeorm', '@goneaway/prisma'];

/**
 * README blocks that fail to compile for a reason being fixed elsewhere: `it.fails` until then
 * (when the fix lands it starts failing: delete the entry), and a second test that every error is
 * that one, so that nothing else breaks in the block meanwhile.
 */
const KNOWN_SNIPPET_FAILURES: Record<string, { reason: string; only: RegExp }> = {};

let project: FreshProject;
const databaseUrl = inject('mariadb').url;

function lastJsonLine(result: RunResult): Record<string, unknown> {
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(
      `expected one JSON line, exit ${result.status}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
}

beforeAll(async () => {
  for (const pkg of packages) {
    await readFile(join(root, pkg.dir, 'dist/index.mjs')).catch(() => {
      throw new Error(`${pkg.dir}/dist is missing: run \`npm run build\` (npm test builds first)`);
    });
  }
  project = await createFreshNpmProject({
    root,
    thirdParty: [
      'knex',
      'mysql2',
      'typeorm',
      'sequelize',
      '@prisma/adapter-mariadb',
      '@prisma/client',
      '@types/node',
    ],
    // "type": "module" because the README blocks use top-level await; the .cjs programs are
    // CommonJS whatever it says. The override is the one packages/prisma/README.md prescribes.
    packageJson: {
      name: 'consumer',
      version: '1.0.0',
      private: true,
      type: 'module',
      overrides: { mariadb: '^3.5.4' },
    },
    // The install lines of the READMEs, and @types/node as `tsc --init`'s tsconfig asks for Node.
    installs: [
      [
        '@goneaway/core',
        '@goneaway/knex',
        'knex',
        'mysql2',
        '@goneaway/mysql2',
        '@goneaway/typeorm',
        'typeorm',
        '@goneaway/prisma',
        '@prisma/adapter-mariadb',
        '@prisma/client',
        '@goneaway/sequelize',
        'sequelize',
      ],
      ['-D', '@goneaway/doctor', '@types/node'],
    ],
  });
  for (const file of await readdir(consumerDir)) {
    if (/\.(cjs|mjs)$/.test(file)) await copyFile(join(consumerDir, file), join(project.dir, file));
  }
  const generateStarted = performance.now();
  // The Prisma CLI comes from the workspace: installing `prisma` would download its engines.
  await generatePrismaClient(project, prismaCli);
  const timings = { ...project.timings, 'prisma generate': Math.round(performance.now() - generateStarted) };
  console.info(`packaging: fresh project ready, ms per step: ${JSON.stringify(timings)}`);
}, 300_000);

afterAll(async () => {
  await project?.dispose();
});

describe.concurrent('the packed package.json', () => {
  for (const pkg of packages) {
    it(`${pkg.name}: every file it names is in the tarball, and the workspace-only condition is gone`, async () => {
      const tarball = project.ours.get(pkg.name)!;
      const { stdout } = await promisify(execFile)('tar', ['-tzf', tarball.file]);
      const entries = new Set(stdout.split('\n').filter(Boolean));
      const manifest = tarball.manifest as {
        main?: string;
        module?: string;
        types?: string;
        bin?: string | Record<string, string>;
        exports?: unknown;
      };
      const named = [
        manifest.main,
        manifest.module,
        manifest.types,
        ...(typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {})),
        ...exportTargets(manifest.exports),
      ].filter((path): path is string => path !== undefined);
      expect(named.length).toBeGreaterThan(4);
      const missing = named.filter((path) => !entries.has(`package/${path.replace(/^\.\//, '')}`));
      expect(missing).toEqual([]);
      expect(JSON.stringify(manifest.exports)).not.toContain('goneaway-source');
      expect(manifest).not.toHaveProperty('publishConfig');
    });

    it(`${pkg.name}: publishConfig.exports is the workspace's exports without goneaway-source`, async () => {
      const workspace = JSON.parse(await readFile(join(root, pkg.dir, 'package.json'), 'utf8')) as {
        exports: unknown;
        publishConfig?: { exports?: unknown };
      };
      expect(JSON.stringify(workspace.exports)).toContain('goneaway-source');
      expect(workspace.publishConfig?.exports).toEqual(
        withoutCondition(workspace.exports, 'goneaway-source'),
      );
    });

    it(`${pkg.name} passes publint and are-the-types-wrong`, async () => {
      const file = project.ours.get(pkg.name)!.file;
      const tools = { cwd: root, env: process.env };
      const publint = await project.run(
        join(root, 'node_modules/.bin/publint'),
        ['run', '--strict', file],
        tools,
      );
      expect(publint.status, publint.stderr).toBe(0);
      expect(publint.stdout).not.toMatch(/error|warning/i);
      const attw = await project.run(
        join(root, 'node_modules/.bin/attw'),
        [file, '--format', 'json', '--profile', 'node16'],
        tools,
      );
      const report = JSON.parse(attw.stdout) as {
        analysis: { problems: unknown[]; entrypoints: Record<string, unknown> };
      };
      expect(report.analysis.problems).toEqual([]);
      // Every entry point was checked, subpaths included (node10 through typesVersions).
      expect(Object.keys(report.analysis.entrypoints)).toEqual(
        expect.arrayContaining(['.', ...Object.keys(pkg.subpaths ?? {}).map((subpath) => `./${subpath}`)]),
      );
    });

    const entryPoints = [
      { specifier: pkg.name, probe: pkg.probe },
      ...Object.entries(pkg.subpaths ?? {}).map(([subpath, probe]) => ({
        specifier: `${pkg.name}/${subpath}`,
        probe,
      })),
    ];
    for (const entry of entryPoints) {
      it(`${entry.specifier} has the same named exports from import and require()`, async () => {
        const esm = await project.run(process.execPath, [
          '--input-type=module',
          '-e',
          `import * as m from '${entry.specifier}'; console.log(JSON.stringify(Object.keys(m).sort()))`,
        ]);
        const cjs = await project.run(process.execPath, [
          '-e',
          `console.log(JSON.stringify(Object.keys(require('${entry.specifier}')).sort()))`,
        ]);
        const esmKeys = JSON.parse(esm.stdout) as string[];
        expect(esmKeys).toEqual(JSON.parse(cjs.stdout));
        for (const name of entry.probe) expect(esmKeys).toContain(name);
        expect(esmKeys).not.toContain('default');
      });
    }
  }
});

describe.concurrent('one public surface, as packed', () => {
  for (const name of adapterPackages) {
    it(`${name} re-exports every name of @goneaway/core/public, the same objects, from import and require()`, async () => {
      const check = (pub: string, pkg: string) =>
        `const missing = Object.keys(${pub}).filter((k) => ${pkg}[k] !== ${pub}[k]);
         console.log(JSON.stringify({ names: Object.keys(${pub}).length, missing }));`;
      const esm = await project.run(process.execPath, [
        '--input-type=module',
        '-e',
        `import * as pub from '@goneaway/core/public'; import * as pkg from '${name}'; ${check('pub', 'pkg')}`,
      ]);
      const cjs = await project.run(process.execPath, [
        '-e',
        `const pub = require('@goneaway/core/public'); const pkg = require('${name}'); ${check('pub', 'pkg')}`,
      ]);
      for (const result of [esm, cjs]) {
        const outcome = lastJsonLine(result) as { names: number; missing: string[] };
        expect(outcome.missing).toEqual([]);
        expect(outcome.names).toBeGreaterThan(20);
      }
    });
  }

  it('the adapter-building API is under @goneaway/core/adapter only, not the root', async () => {
    const result = await project.run(process.execPath, [
      '--input-type=module',
      '-e',
      `import * as root from '@goneaway/core'; import * as adapter from '@goneaway/core/adapter';
       console.log(JSON.stringify(Object.keys(adapter).filter((k) => k in root)));`,
    ]);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });
});

describe('npm install of the packed packages', () => {
  it('prints no warning (no peer conflict) and leaves a tree `npm ls` accepts', async () => {
    expect(project.installOutput.length).toBe(2);
    for (const output of project.installOutput) expect(output).not.toMatch(/npm (warn|error)/i);
    const ls = await project.run('npm', ['ls', '--all']);
    expect(ls.status, ls.stdout + ls.stderr).toBe(0);
    // The override packages/prisma/README.md prescribes took effect.
    expect(ls.stdout).toMatch(/mariadb@3\.(5\.[4-9]|[6-9]\.)/);
  });
});

describe('two copies of @goneaway/core', () => {
  it('the CJS and ESM builds share no state that would break `code`-based guards', async () => {
    const result = await project.run(process.execPath, [
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       import * as esm from '@goneaway/core';
       const cjs = createRequire(process.cwd() + '/')('@goneaway/core');
       const e = new cjs.DatabaseUnavailableError({ attempts: 3, elapsedMs: 5000, cause: new Error('x') });
       console.log(JSON.stringify({ guard: esm.isDatabaseUnavailable(e), instance: e instanceof esm.DatabaseUnavailableError }));`,
    ]);
    expect(lastJsonLine(result)).toEqual({ guard: true, instance: false });
  });
});

/** One program per entry point, in consumer/<name>.cjs and .mjs, and what it must print. */
const programs: { name: string; expected: Record<string, unknown> }[] = [
  { name: 'knex', expected: { one: 1, limitsDiscovered: 1 } },
  { name: 'mysql2-callback', expected: { one: 1, limitsDiscovered: 1 } },
  { name: 'mysql2-promise', expected: { one: 1, limitsDiscovered: 1 } },
  { name: 'typeorm', expected: { one: 1, limitsDiscovered: 1 } },
  { name: 'prisma', expected: { one: 1, limitsDiscovered: 1 } },
  { name: 'sequelize', expected: { one: 1, limitsDiscovered: 1 } },
  {
    name: 'core',
    expected: {
      kind: 'connection-lost',
      sent: 'maybe',
      outageBudgetMs: 2000,
      frozen: true,
      invalid: 'GONEAWAY_CONFIG',
    },
  },
  { name: 'doctor', expected: { connected: true, passwordShown: false } },
];

describe.concurrent('every entry point, called by plain node from the fresh project', () => {
  for (const program of programs) {
    for (const extension of ['cjs', 'mjs']) {
      it(`${program.name}.${extension} (${extension === 'cjs' ? 'require()' : 'import'})`, async () => {
        const result = await project.run(process.execPath, [`${program.name}.${extension}`], {
          env: { ...project.env, DATABASE_URL: databaseUrl },
        });
        expect(result.status, result.stderr).toBe(0);
        expect(lastJsonLine(result)).toMatchObject(program.expected);
      });
    }
  }

  it('doctor: runDoctor finds the same things from require() and import', async () => {
    const env = { ...project.env, DATABASE_URL: databaseUrl };
    const [cjs, esm] = await Promise.all([
      project.run(process.execPath, ['doctor.cjs'], { env }),
      project.run(process.execPath, ['doctor.mjs'], { env }),
    ]);
    const report = lastJsonLine(cjs);
    expect(report.findings).toEqual(expect.arrayContaining(['wait-timeout']));
    expect(lastJsonLine(esm)).toEqual(report);
  });
});

describe('`npx goneaway doctor`, as the READMEs tell users to run it', () => {
  it('in the project that installed @goneaway/doctor: --help, a real server, a refused port', async () => {
    const help = await project.run('npx', ['goneaway', 'doctor', '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: goneaway doctor');

    const password = new URL(databaseUrl).password;
    const checked = await project.run('npx', [
      'goneaway',
      'doctor',
      databaseUrl,
      ...['--pool-max', '10', '--instances', '4', '--json'],
    ]);
    expect([0, 1], checked.stderr).toContain(checked.status);
    const report = JSON.parse(checked.stdout) as { connected: boolean; exitCode: number };
    expect(report).toMatchObject({ connected: true, exitCode: checked.status });
    expect(checked.stdout + checked.stderr).not.toContain(password);

    const refused = await project.run('npx', [
      'goneaway',
      'doctor',
      'mysql://someone:pw-secret-y@127.0.0.1:1/db',
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stdout + refused.stderr).toContain('connect-failed');
    expect(refused.stdout + refused.stderr).not.toContain('pw-secret-y');
  });

  it('once, without adding it to a project: npx --package @goneaway/doctor goneaway doctor <url>', async () => {
    const result = await project.run(
      'npx',
      ['--yes', '--package', '@goneaway/doctor', 'goneaway', 'doctor', databaseUrl, '--json'],
      { cwd: project.scratch, timeoutMs: 120_000 },
    );
    expect([0, 1], result.stderr).toContain(result.status);
    expect(JSON.parse(result.stdout)).toMatchObject({ connected: true });
  });

  it('the README commands are the ones tested here', async () => {
    const readmes = await Promise.all(
      ['README.md', 'packages/doctor/README.md'].map((file) => readFile(join(root, file), 'utf8')),
    );
    for (const text of readmes) {
      expect(text).toMatch(/npm (i|install) (-D|--save-dev) @goneaway\/doctor/);
      expect(text).toMatch(/^npx goneaway doctor /m);
      // A bare `npx goneaway` where it is not installed would fetch whatever package is named `goneaway`.
      expect(text).toContain('npx --package @goneaway/doctor goneaway doctor');
    }
  });
});

describe('README TypeScript blocks compile under the tsconfig `tsc --init` writes', async () => {
  const readmeFiles = [
    'README.md',
    ...(await readdir(join(root, 'packages'))).map((dir) => `packages/${dir}/README.md`),
    ...(await readdir(join(root, 'examples'))).map((dir) => `examples/${dir}/README.md`),
  ];
  const snippets: ReadmeSnippet[] = [];
  for (const file of readmeFiles) {
    const text = await readFile(join(root, file), 'utf8').catch(() => undefined);
    if (text !== undefined) snippets.push(...extractSnippets(file, text));
  }
  let diagnostics: Map<string, string[]>;

  beforeAll(async () => {
    // tsc --init from the workspace's TypeScript, changed only where its own comment says to for Node.
    const init = await project.run(join(root, 'node_modules/.bin/tsc'), ['--init']);
    expect(init.status, init.stdout).toBe(0);
    const tsconfigPath = join(project.dir, 'tsconfig.json');
    const written = await readFile(tsconfigPath, 'utf8');
    expect(written).toContain('"types": [],');
    expect(written).toContain('// "types": ["node"],');
    await writeFile(tsconfigPath, written.replace('"types": [],', '"types": ["node"],'));

    const files = new Map<string, ReadmeSnippet>();
    for (const snippet of snippets) {
      if (snippet.skipReason !== undefined) continue;
      const file = join(project.dir, snippetFileName(snippet));
      await writeFile(file, snippetSource(snippet));
      files.set(file, snippet);
    }
    // One program, each file's own diagnostics: a syntax error in one block hides nothing in another.
    const parsed = ts.getParsedCommandLineOfConfigFile(
      tsconfigPath,
      { noEmit: true },
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (!parsed) throw new Error('tsc --init wrote a tsconfig.json TypeScript cannot read');
    expect(parsed.options.exactOptionalPropertyTypes).toBe(true);
    expect(parsed.options.verbatimModuleSyntax).toBe(true);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    expect(global.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    diagnostics = new Map();
    for (const [file, snippet] of files) {
      const source = program.getSourceFile(file)!;
      diagnostics.set(
        key(snippet),
        [
          ...program.getSyntacticDiagnostics(source),
          ...program.getSemanticDiagnostics(source),
          // `tsc --init` turns on declaration: what a user's `tsc` reports when it emits.
          ...program.getDeclarationDiagnostics(source),
        ].map((d) => {
          const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
          return `${readmeLocation(snippet, line + 1)}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
        }),
      );
    }
  }, 120_000);

  const key = (snippet: ReadmeSnippet) => `${snippet.readme}#${snippet.index}`;

  it('finds the blocks, and no-compile stays rare', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(13);
    expect(snippets.filter((s) => s.skipReason !== undefined).length).toBeLessThanOrEqual(2);
  });

  for (const snippet of snippets) {
    const title = `${key(snippet)} (line ${snippet.line})`;
    if (snippet.skipReason !== undefined) {
      it.skip(`${title}: no-compile, ${snippet.skipReason}`, () => {});
      continue;
    }
    const known = KNOWN_SNIPPET_FAILURES[key(snippet)];
    if (known === undefined) {
      it(title, () => {
        expect(diagnostics.get(key(snippet))).toEqual([]);
      });
      continue;
    }
    it.fails(`${title}: known failure, ${known.reason}`, () => {
      expect(diagnostics.get(key(snippet))).toEqual([]);
    });
    it(`${title}: fails for no other reason than the known one`, () => {
      expect(diagnostics.get(key(snippet))!.filter((message) => !known.only.test(message))).toEqual([]);
    });
  }
});

/** Every file path an exports map can resolve to. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/** `exports` without `condition`; an entry point that had only that condition (a workspace-only one) is gone. */
function withoutCondition(exports: unknown, condition: string): unknown {
  if (exports === null || typeof exports !== 'object') return exports;
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([name]) => name !== condition)
      .map(([name, value]) => [name, withoutCondition(value, condition)])
      .filter(([, value]) => value === null || typeof value !== 'object' || Object.keys(value).length > 0),
  );
}
