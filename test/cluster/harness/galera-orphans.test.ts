import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWithGalera, isProcessAlive } from '../../harness/src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'start-cluster-then-wait.ts');
const tsxLoader = resolve(here, '../../../node_modules/tsx/dist/loader.mjs');

/** Processes whose command line mentions `dir`: the nodes and their SST helpers (rsync, scripts). */
function processesUsing(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(dir) && isProcessAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await delay(50);
  }
  return predicate();
}

async function startFixture() {
  const child = spawn(process.execPath, ['--import', tsxLoader, fixture], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MYSQL_URL: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<NodeJS.Signals | number | null>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit(signal ?? code)),
  );
  const deadline = Date.now() + 150_000;
  while (!stdout.includes('\n')) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`fixture exited before reporting its cluster: ${stderr}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`fixture did not start its cluster within 150 s: ${stderr}`);
    }
    await delay(50);
  }
  const { pids, dir } = JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { pids: number[]; dir: string };
  return { child, exit, pids, dir };
}

describeWithGalera('no Galera node outlives the process that started it', () => {
  it('SIGTERM: the exit handlers kill every node and remove the temp dir', async () => {
    const { child, exit, pids, dir } = await startFixture();
    expect(pids.every((pid) => isProcessAlive(pid))).toBe(true);
    child.kill('SIGTERM');
    expect(await exit).toBe('SIGTERM');
    expect(await waitUntil(() => pids.every((pid) => !isProcessAlive(pid)), 15_000)).toBe(true);
    expect(await waitUntil(() => processesUsing(dir).length === 0, 15_000)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  it('SIGKILL: no handler runs, PDEATHSIG still takes every node down', async () => {
    const { child, exit, pids, dir } = await startFixture();
    try {
      child.kill('SIGKILL');
      expect(await exit).toBe('SIGKILL');
      expect(await waitUntil(() => pids.every((pid) => !isProcessAlive(pid)), 15_000)).toBe(true);
      expect(await waitUntil(() => processesUsing(dir).length === 0, 15_000)).toBe(true);
    } finally {
      // Nobody was left to remove it.
      await rm(dir, { recursive: true, force: true });
    }
  });
});
