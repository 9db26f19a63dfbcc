// The demo as a user runs it: the CLI through tsx, not a TTY, with --url (a server "the user owns":
// nothing that kills, restarts or reconfigures it may run), --only, --json and --markdown.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canControlServers, type MariaDBServer, noControlReason, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_IDS } from '../../examples/demo/clients/index.js';
import type { DemoReport } from '../../examples/demo/run-demo.js';
import { SCENARIOS } from '../../examples/demo/scenarios/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const main = join(root, 'examples/demo/main.ts');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(tsx, [main, ...args], {
      cwd: root,
      // Workspace packages from their sources, as in every test; no colour, and stdout is a pipe.
      env: { ...process.env, NODE_OPTIONS: '--conditions=goneaway-source', NO_COLOR: '1', FORCE_COLOR: '' },
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

describe('demo CLI', () => {
  it('--help lists every scenario and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const scenario of SCENARIOS) expect(run.stdout).toContain(scenario.id);
    expect(run.stdout).toContain('--markdown <file>');
  });

  it('an unknown scenario name is a usage error (exit 2) that lists the valid ones', async () => {
    const run = await runCli(['--only', 'no-such-scenario']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"no-such-scenario"');
    expect(run.stderr).toContain('boundary-race');
  });

  it('--help lists the clients; an unknown --client is a usage error (exit 2) naming the valid ones', async () => {
    const help = await runCli(['--help']);
    for (const id of CLIENT_IDS) expect(help.stdout).toContain(`  ${id}`);
    const run = await runCli(['--client', 'no-such-orm']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'no-such-orm'");
    expect(run.stderr).toContain(`Allowed choices are ${CLIENT_IDS.join(', ')}`);
  });
});

describe.skipIf(!canControlServers)('demo CLI with --url (a server the user owns)', () => {
  let server: MariaDBServer;
  let dir: string;

  beforeAll(async () => {
    [server, dir] = await Promise.all([
      startMariaDB({ serverOptions: { max_allowed_packet: '1M' } }),
      mkdtemp(join(tmpdir(), 'goneaway-demo-test-')),
    ]);
  });
  afterAll(async () => {
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('skips what would kill or reconfigure the server, runs the rest, writes JSON and Markdown', async () => {
    const json = join(dir, 'demo.json');
    const markdown = join(dir, 'demo.md');
    const run = await runCli([
      '--url',
      server.url,
      '--only',
      'kill-read,packet-too-large,half-open,wrong-password',
      '--json',
      json,
      '--markdown',
      markdown,
    ]);
    const report = JSON.parse(await readFile(json, 'utf8')) as DemoReport;
    expect(report.server.mode).toBe('url');
    expect(report.scenarios.map((s) => s.id)).toEqual([
      'kill-read',
      'packet-too-large',
      'half-open',
      'wrong-password',
    ]);
    const [killRead, ...ran] = report.scenarios;
    expect(killRead?.skipped).toMatch(/KILL/);
    expect(killRead?.bare).toBeUndefined();
    for (const result of ran) {
      expect(result.skipped, result.id).toBeUndefined();
      expect(result.bare?.met, `${result.id}: bare shows its failure`).toBe(true);
    }
    expect(run.code).toBe(report.passed ? 0 : 1);

    // Plain lines when stdout is not a TTY, no colour with NO_COLOR, and never the password of --url.
    expect(run.stdout).not.toContain(`${String.fromCharCode(27)}[`);
    expect(run.stdout).toContain('Half-open idle connection');
    expect(run.stdout + run.stderr).not.toContain(server.connection.password);
    const table = await readFile(markdown, 'utf8');
    expect(table).toContain('| # | Scenario | bare knex + mysql2 | knex + goneaway | Verdict |');
    expect(table.match(/^\| \d+ \|/gm)).toHaveLength(4);
  }, 60_000);
});

describe.skipIf(canControlServers)('demo CLI with --url', () => {
  it.skip(`starts a server of its own: ${noControlReason}`, () => undefined);
});
