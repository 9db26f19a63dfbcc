import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, type Side, sleep } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

// Behaviour 11 of the knex plugin: the process is frozen (SIGSTOP) past wait_timeout, then thawed.
describeWithOwnServer('frozen process', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { wait_timeout: 2 } });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  async function freezeAndThaw(side: Side): Promise<{ ok: number; failed: number; lines: string[] }> {
    const child = spawn(
      process.execPath,
      [
        '--conditions=goneaway-source',
        '--import',
        'tsx',
        join(here, 'fixtures/frozen-child.ts'),
        side,
        JSON.stringify(server.connection),
      ],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const output = createInterface({ input: child.stdout! });
      const lines = output[Symbol.asyncIterator]();
      expect((await lines.next()).value).toBe('ready');
      child.kill('SIGSTOP');
      await sleep(3_000); // past wait_timeout: the server closes the pooled connections meanwhile
      child.kill('SIGCONT');
      child.stdin!.write('go\n');
      const result = (await lines.next()).value as string;
      return JSON.parse(result);
    } finally {
      child.kill('SIGCONT');
      if (child.exitCode === null) {
        await new Promise((resolveExit) => {
          child.once('exit', resolveExit);
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        });
      }
    }
  }

  it('goneaway: the first queries after waking succeed, silently', async () => {
    const result = await freezeAndThaw('goneaway');
    expect(result).toEqual({ ok: 3, failed: 0, lines: [] });
  });

  it('bare knex (control): after waking, knex finds closed connections (and says so)', async () => {
    const result = await freezeAndThaw('bare');
    expect(result.failed + result.lines.filter((l) => l.includes('Connection Error')).length).toBeGreaterThan(
      0,
    );
  });
});
