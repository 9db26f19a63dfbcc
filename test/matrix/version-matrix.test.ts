import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { satisfiesVersionRange } from '@goneaway/core/adapter';
import { sharedServer, waitFor } from '@goneaway/test-harness';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createFreshNpmProject,
  type FreshProject,
  packWorkspace,
  type RunResult,
  type Semaphore,
  semaphore,
} from '../packaging/fresh-npm-project.js';
import { generatePrismaClient } from '../packaging/generate-prisma-client.js';
import type { RegistryTarball } from '../packaging/local-registry.js';
import { prismaCli } from './prisma-cli.js';
import {
  isNetworkFailure,
  MATRIX_NPM_CACHE,
  PUBLIC_REGISTRY,
  RegistryUnreachableError,
} from './public-registry.js';
import { type HostPackage, type MatrixCombination, resolveMatrix } from './resolve-matrix.js';

/**
 * The packed @goneaway tarballs against each supported version of their host library: one fresh npm
 * project outside the workspace per combination (our packages from a loopback registry, the host
 * library and everything else from the public registry), and the entry point called by plain node
 * against the run's MariaDB: the entry call, `select 1`, the pool's idle connection KILLed through
 * the admin account and a read that still succeeds on a new connection, and `limits-discovered`
 * seen. A host version outside our peer range must instead be refused at the entry call with a
 * GoneAwayConfigError that names the range. Skipped, with the reason, when the registry cannot be
 * reached; an incompatibility fails.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const consumerDir = join(root, 'test/packaging/consumer');
// Installs, `prisma generate` and the programs share the machine's 2 cores.
const slot = semaphore(2);

const resolved = await resolveMatrix(root, slot).then(
  (combinations) => ({ combinations, skipReason: undefined }),
  (error: unknown) => {
    if (error instanceof RegistryUnreachableError) return { combinations: [], skipReason: error.message };
    throw error;
  },
);
if (resolved.skipReason !== undefined) {
  console.info(`version matrix skipped: ${resolved.skipReason}`);
  // In the report too: a network outage skips the matrix, it does not fail the run.
  it.skip(`version matrix (skipped: ${resolved.skipReason})`, () => {});
}

interface MatrixRow {
  combination: string;
  result: string;
  /** From the row's start to its end, waiting for a slot included. */
  seconds: number;
  /** Seconds each step ran once it had a slot: install, generate (Prisma), run. */
  steps: Record<string, number>;
}

const rows: MatrixRow[] = [];
const started = performance.now();
let ours: ReadonlyMap<string, RegistryTarball>;
let tarballDir: string | undefined;

type Expectation = { kind: 'works' } | { kind: 'refused'; range: string; host: HostPackage };

/** Works when every host package is inside the peer range of the @goneaway package as installed. */
function expectationFor(combination: MatrixCombination, peers: Record<string, string>): Expectation {
  for (const host of combination.hosts) {
    const range = peers[host.name];
    if (range !== undefined && satisfiesVersionRange(host.version, range) === false) {
      return { kind: 'refused', range, host };
    }
  }
  return { kind: 'works' };
}

async function readManifest(dir: string, name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

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

/**
 * Runs the program with the KILL handshake: when it prints `{"kill": <id>}`, KILLs that connection
 * through the harness's admin account, waits until the server has dropped it, and lets it go on.
 */
async function runWithKill(
  project: FreshProject,
  program: string,
): Promise<{ result: RunResult; killed?: number }> {
  const server = sharedServer();
  let killing: Promise<void> | undefined;
  let killed: number | undefined;
  const result = await project.run(process.execPath, [program], {
    env: { ...project.env, DATABASE_URL: inject('mariadb').url, GONEAWAY_KILL_HANDSHAKE: '1' },
    timeoutMs: 60_000,
    onStdoutLine: (line, writeStdin) => {
      if (!line.startsWith('{"kill":')) return;
      const id = Number((JSON.parse(line) as { kill: number }).kill);
      killing = (async () => {
        await server.query(`KILL CONNECTION ${id}`);
        await waitFor(
          async () =>
            (await server.query('select id from information_schema.processlist where id = ?', [id]))
              .length === 0,
          `connection ${id} to be gone after KILL`,
          10_000,
        );
        killed = id;
      })().finally(() => writeStdin('killed\n'));
    },
  });
  await killing;
  return { result, killed };
}

/**
 * One row: a fresh project with the combination installed, the program run with the KILL handshake,
 * and its result checked against what the installed @goneaway package's peer range says.
 */
async function runCombination(combination: MatrixCombination, skip: (note: string) => never): Promise<void> {
  const begun = performance.now();
  const steps: Record<string, number> = {};
  let step = 'install';
  // The shared slot, timing what this row runs in it.
  const rowSlot: Semaphore = (task) =>
    slot(async () => {
      const entered = performance.now();
      try {
        return await task();
      } finally {
        steps[step] = (steps[step] ?? 0) + (performance.now() - entered) / 1000;
      }
    });
  let recorded = false;
  const record = (result: string) => {
    recorded = true;
    rows.push({ combination: combination.name, result, seconds: (performance.now() - begun) / 1000, steps });
  };

  const packed = ours.get(combination.ours);
  if (!packed) throw new Error(`${combination.ours} was not packed`);
  // npm refuses a peer outside the range (ERESOLVE); the point of such a row is our own refusal.
  const packedExpectation = expectationFor(
    combination,
    (packed.manifest.peerDependencies ?? {}) as Record<string, string>,
  );
  const spec = (pkg: HostPackage) => `${pkg.name}@${pkg.version}`;
  const packages = [combination.ours, ...combination.hosts.map(spec), ...combination.companions.map(spec)];
  const install = (freshness: '--prefer-offline' | '--prefer-online') =>
    createFreshNpmProject({
      root,
      ours,
      publicRegistry: { url: PUBLIC_REGISTRY, cacheDir: MATRIX_NPM_CACHE },
      packageJson: {
        name: 'matrix-consumer',
        version: '1.0.0',
        private: true,
        type: 'module',
        // The override packages/prisma/README.md prescribes for the MariaDB adapter.
        ...(combination.program === 'prisma' ? { overrides: { mariadb: '^3.5.4' } } : {}),
      },
      installs: [
        [...(packedExpectation.kind === 'refused' ? ['--legacy-peer-deps'] : []), freshness, ...packages],
      ],
      installTimeoutMs: 240_000,
      slot: rowSlot,
    });

  let project: FreshProject;
  let cli: string | undefined;
  try {
    // Cached metadata first (no round trip per package); a version published since it was cached is
    // not in it (ETARGET): then once more asking the registry.
    project = await install('--prefer-offline').catch((error: unknown) => {
      if (/\bETARGET\b/.test(String(error))) return install('--prefer-online');
      throw error;
    });
    if (combination.prismaCli) cli = await prismaCli(root, combination.prismaCli.version, rowSlot);
  } catch (error) {
    if (isNetworkFailure(String(error))) {
      record('skipped: registry unreachable');
      skip(`the registry became unreachable during npm install: ${String(error).split('\n')[0]}`);
    }
    record('FAILED: npm install');
    throw error;
  }
  try {
    for (const pkg of [...combination.hosts, ...combination.companions]) {
      expect((await readManifest(project.dir, pkg.name)).version, `installed ${pkg.name}`).toBe(pkg.version);
    }
    // The expectation follows the peer range of the @goneaway package as installed.
    const installedPeers = ((await readManifest(project.dir, combination.ours)).peerDependencies ??
      {}) as Record<string, string>;
    const expectation = expectationFor(combination, installedPeers);

    const program = `${combination.program}.mjs`;
    for (const file of [program, 'kill-handshake.cjs']) {
      await copyFile(join(consumerDir, file), join(project.dir, file));
    }
    if (cli !== undefined) {
      step = 'generate';
      await generatePrismaClient(project, cli);
    }
    step = 'run';
    const { result, killed } = await runWithKill(project, program);
    const output = result.stdout + result.stderr;

    if (expectation.kind === 'refused') {
      const { host, range } = expectation;
      expect(
        result.status,
        `${host.name} ${host.version} is outside ${combination.ours}'s peer range ${range}, yet the entry call did not refuse it:\n${output}`,
      ).not.toBe(0);
      expect(output).toContain('GONEAWAY_CONFIG');
      expect(output).toContain(range);
      expect(killed, 'refused before any connection').toBeUndefined();
      record(`refused as expected (${host.name} outside ${range})`);
      return;
    }
    expect(result.status, output).toBe(0);
    const report = lastJsonLine(result) as {
      one: number;
      limitsDiscovered: number;
      killed: number;
      afterKill: { one: number; connectionId: number };
    };
    expect(report.one).toBe(1);
    expect(report.limitsDiscovered).toBeGreaterThanOrEqual(1);
    expect(killed, 'the program asked for its connection to be KILLed').toBeDefined();
    expect(report.killed).toBe(killed);
    expect(report.afterKill.one).toBe(1);
    expect(report.afterKill.connectionId).not.toBe(killed);
    record(`works (select 1, KILL survived, limits ×${report.limitsDiscovered})`);
  } catch (error) {
    if (!recorded) record('FAILED');
    throw error;
  } finally {
    await project.dispose();
  }
}

function printTable(): void {
  const width = Math.max(...rows.map((row) => row.combination.length));
  const table = rows
    .sort((a, b) => a.combination.localeCompare(b.combination))
    .map((row) => {
      const steps = Object.entries(row.steps)
        .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
        .join(', ');
      return `  ${row.combination.padEnd(width)}  ${row.result.padEnd(44)} ${row.seconds.toFixed(1)} s (${steps})`;
    })
    .join('\n');
  console.info(
    `version matrix on Node ${process.versions.node} (registry ${PUBLIC_REGISTRY}, npm cache ${MATRIX_NPM_CACHE}), ${((performance.now() - started) / 1000).toFixed(1)} s in all:\n${table}`,
  );
}

describe.skipIf(resolved.skipReason !== undefined)(
  'version matrix: packed packages × host library versions',
  () => {
    beforeAll(async () => {
      for (const dir of ['core', 'knex-plugin', 'mysql2', 'typeorm', 'prisma', 'sequelize']) {
        await readFile(join(root, 'packages', dir, 'dist/index.mjs')).catch(() => {
          throw new Error(`packages/${dir}/dist is missing: run \`npm run build\` (npm test builds first)`);
        });
      }
      tarballDir = await mkdtemp(join(tmpdir(), 'goneaway-matrix-tarballs-'));
      ours = await packWorkspace(root, tarballDir);
    }, 120_000);

    afterAll(async () => {
      if (tarballDir) await rm(tarballDir, { recursive: true, force: true });
      if (rows.length > 0) printTable();
    });

    for (const combination of resolved.combinations) {
      it.concurrent(combination.name, ({ skip }) => runCombination(combination, skip), 300_000);
    }
  },
);
