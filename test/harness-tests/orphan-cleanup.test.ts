import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  canControlServers,
  findMariaDBBinaries,
  isProcessAlive,
  noControlReason,
} from '../harness/src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'start-server-then.ts');
const tsxLoader = resolve(here, '../../node_modules/tsx/dist/loader.mjs');

interface StartedChild {
  readonly serverPid: number;
  readonly dir: string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts the fixture in a separate Node process and waits until its server is up. */
async function startChild(mode: 'wait' | 'throw', pdeathsig: boolean): Promise<StartedChild> {
  const env: NodeJS.ProcessEnv = { ...process.env, MYSQL_URL: '' };
  if (pdeathsig) delete env.GONEAWAY_NO_PDEATHSIG;
  else env.GONEAWAY_NO_PDEATHSIG = '1';
  const child = spawn(process.execPath, ['--import', tsxLoader, fixture, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const line = await Promise.race([
    (async () => {
      while (!stdout.includes('\n')) await delay(20);
      return stdout.slice(0, stdout.indexOf('\n'));
    })(),
    exit.then(({ code, signal }) => {
      throw new Error(`fixture exited (${signal ?? code}) before reporting its server: ${stderr}`);
    }),
  ]);
  const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
  return { serverPid: pid, dir, exit, kill: (signal) => child.kill(signal) };
}

async function waitUntilDead(pid: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await delay(50);
  }
  return !isProcessAlive(pid);
}

describe.skipIf(!canControlServers)('no mariadbd outlives the process that started it', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  // Without PR_SET_PDEATHSIG only the harness's exit and signal handlers can take the server down:
  // those cases prove the handlers alone; the temp dir being gone proves they ran either way.
  for (const pdeathsig of [false, true]) {
    const how = pdeathsig ? 'handlers + PDEATHSIG' : 'handlers only';
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`${signal} (${how}): the server dies with the process, its temp dir is removed, the signal still ends it`, async () => {
        const child = await startChild('wait', pdeathsig);
        expect(isProcessAlive(child.serverPid)).toBe(true);
        child.kill(signal);
        const { signal: endedBy } = await child.exit;
        expect(endedBy).toBe(signal);
        expect(await waitUntilDead(child.serverPid)).toBe(true);
        expect(existsSync(child.dir)).toBe(false);
      });
    }

    it(`an uncaught error (${how}): the server dies with the process`, async () => {
      const child = await startChild('throw', pdeathsig);
      const { code } = await child.exit;
      expect(code).toBe(1);
      expect(await waitUntilDead(child.serverPid)).toBe(true);
      expect(existsSync(child.dir)).toBe(false);
    });
  }

  it('SIGKILL (no handler can run): the kernel kills the server through PR_SET_PDEATHSIG', async (context) => {
    const { setpriv } = await findMariaDBBinaries();
    if (!setpriv) context.skip('setpriv (util-linux) is not installed: only exit and signal handlers apply');
    const child = await startChild('wait', true);
    try {
      child.kill('SIGKILL');
      await child.exit;
      expect(await waitUntilDead(child.serverPid)).toBe(true);
    } finally {
      // Nothing in the child could clean up: the temp dir is ours to remove.
      await rm(child.dir, { recursive: true, force: true });
    }
  });
});
