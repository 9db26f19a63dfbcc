// `npm run demo -- --cluster` end to end, on real servers: the same runner the CLI calls, for one
// Galera fault (a node isolated) and one replication fault (a planned switchover). Checks what each
// side showed, never how fast (timings belong to `npm run bench -- --only cluster`).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailableReason } from '../../../examples/demo/cluster/cluster-lab.js';
import { CLUSTER_SIDE_IDS, CLUSTER_SIDE_LABELS } from '../../../examples/demo/cluster/cluster-sides.js';
import { renderClusterDemo } from '../../../examples/demo/cluster/render-cluster-demo.js';
import { type ClusterDemoReport, runClusterDemo } from '../../../examples/demo/cluster/run-cluster-demo.js';
import type { ClusterSideResult } from '../../../examples/demo/cluster/run-cluster-scenario.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const skipReason = clusterUnavailableReason();
if (skipReason) console.info(`cluster demo test skipped: ${skipReason}`);

function side(report: ClusterDemoReport, scenario: string, id: ClusterSideResult['side']): ClusterSideResult {
  const found = report.scenarios
    .find((each) => each.id === scenario)
    ?.run.sides.find((each) => each.side === id);
  if (!found) throw new Error(`${scenario}/${id} missing from the report`);
  return found;
}

function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'examples/demo/main.ts'), ...args], {
      cwd: root,
      env: {
        ...process.env,
        NODE_OPTIONS: '--conditions=goneaway-source',
        NO_COLOR: '1',
        FORCE_COLOR: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm run demo -- --cluster: the CLI', () => {
  it('--help lists the cluster scenarios; a bad --only or --url is refused before anything starts', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--cluster');
    expect(help.stdout).toMatch(/Cluster scenarios[\s\S]*node-crash[\s\S]*node-rejoin/);

    const unknown = await runCli(['--cluster', '--only', 'no-such-fault']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown cluster scenario "no-such-fault"');

    const url = await runCli(['--cluster', '--url', 'mysql://app:secret@127.0.0.1:1/app']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('cannot use --url');
  }, 120_000);

  it('without Galera it says why it cannot run, and starts nothing', async () => {
    // The provider library the harness looks for, pointed at a file that does not exist.
    const missing = await runCli(['--cluster'], {
      GONEAWAY_GALERA_PROVIDER: '/nonexistent/libgalera_smm.so',
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('The cluster demo cannot run here:');
    expect(missing.stderr).toContain('galera-4');
    expect(missing.stdout).toBe('');
  }, 60_000);
});

describe.skipIf(skipReason !== undefined)(
  'npm run demo -- --cluster: a node isolated, a planned switchover',
  () => {
    let report: ClusterDemoReport;

    beforeAll(async () => {
      report = await runClusterDemo({ only: ['node-isolated', 'switchover'] });
      // --json writes this object: it must survive the round trip.
      expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    }, 400_000);

    it('runs both scenarios with all four sides, each with a verdict, and prints them side by side', () => {
      expect(report.scenarios.map((result) => result.id)).toEqual(['node-isolated', 'switchover']);
      for (const result of report.scenarios) {
        expect(result.run.sides.map((each) => each.side)).toEqual([...CLUSTER_SIDE_IDS]);
        expect(result.verdict.text).toContain('goals met');
      }
      const printed = renderClusterDemo(report, 160);
      for (const id of CLUSTER_SIDE_IDS) expect(printed).toContain(CLUSTER_SIDE_LABELS[id].split(' ')[0]);
      expect(printed).toContain('Galera node isolated');
      expect(printed).toContain('Planned switchover');
    });

    it('node isolated: the bare clients get 1047 from the non-primary node; goneaway moves, nothing raw, nothing lost', () => {
      for (const bare of ['bare-knex', 'pool-cluster'] as const) {
        const { metrics, failures } = side(report, 'node-isolated', bare);
        expect(failures.ER_UNKNOWN_COM_ERROR, bare).toBeGreaterThan(0);
        expect(metrics.refusedWrites, bare).toBeGreaterThan(0);
      }
      for (const goneaway of ['goneaway-knex', 'goneaway-mysql2'] as const) {
        const { metrics } = side(report, 'node-isolated', goneaway);
        expect(metrics.rawErrors, goneaway).toBe(0);
        expect(metrics.refusedWrites, goneaway).toBe(0);
        expect(metrics.detectionMs, goneaway).not.toBeNull();
        expect(metrics.ok, goneaway).toBeGreaterThan(0);
      }
      for (const id of CLUSTER_SIDE_IDS) {
        const { metrics } = side(report, 'node-isolated', id);
        expect({ lost: metrics.lost, duplicated: metrics.duplicated, hung: metrics.hungWorkers }, id).toEqual(
          {
            lost: 0,
            duplicated: 0,
            hung: 0,
          },
        );
      }
    });

    it('switchover: the bare clients keep writing to the read-only old primary (1290); goneaway writes on the new one', () => {
      for (const bare of ['bare-knex', 'pool-cluster'] as const) {
        const { metrics, failures } = side(report, 'switchover', bare);
        expect(failures.ER_OPTION_PREVENTS_STATEMENT, bare).toBeGreaterThan(0);
        expect(metrics.refusedWrites, bare).toBeGreaterThan(0);
      }
      for (const goneaway of ['goneaway-knex', 'goneaway-mysql2'] as const) {
        const { metrics } = side(report, 'switchover', goneaway);
        expect(metrics.rawErrors, goneaway).toBe(0);
        expect(metrics.refusedWrites, goneaway).toBe(0);
        expect(metrics.lost + metrics.duplicated, goneaway).toBe(0);
        expect(metrics.firstWriteMs, goneaway).not.toBeNull();
      }
    });
  },
);
