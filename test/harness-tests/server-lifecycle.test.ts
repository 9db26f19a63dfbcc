import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  canControlServers,
  isProcessAlive,
  type MariaDBServer,
  noControlReason,
  startMariaDB,
} from '../harness/src/index.js';

/** Resolves with the error code of a connect attempt, or 'connected'. */
async function tryConnect(server: MariaDBServer): Promise<string> {
  try {
    const connection = await createConnection({ ...server.connection, connectTimeout: 2_000 });
    connection.destroy();
    return 'connected';
  } catch (error) {
    return String((error as { code?: string }).code);
  }
}

describe.skipIf(!canControlServers)('stopping, killing and restarting a server', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  let server: MariaDBServer;

  beforeEach(async () => {
    server = await startMariaDB();
  });

  afterEach(async () => {
    await server.destroy();
  });

  it('kill() then start() keeps the data, the port and the password', async () => {
    await server.query('CREATE TABLE survivor (id INT PRIMARY KEY, note VARCHAR(20))');
    const app = await createConnection(server.connection);
    await app.query("INSERT INTO survivor VALUES (1, 'before the crash')");
    app.on('error', () => undefined);
    const { port, pid } = server;

    await server.kill();
    expect(isProcessAlive(pid!)).toBe(false);
    expect(server.pid).toBeUndefined();
    expect(await tryConnect(server)).toBe('ECONNREFUSED');
    app.destroy();

    await server.start();
    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(pid);
    const again = await createConnection(server.connection);
    try {
      const [rows] = await again.query('SELECT id, note FROM survivor');
      expect(rows).toEqual([{ id: 1, note: 'before the crash' }]);
    } finally {
      await again.end();
    }
  });

  it('stop() shuts down gracefully and start() brings the same server back', async () => {
    await server.query('CREATE TABLE kept (id INT PRIMARY KEY)');
    await server.query('INSERT INTO kept VALUES (7)');
    const pid = server.pid!;
    await server.stop();
    expect(isProcessAlive(pid)).toBe(false);
    const log = await readFile(server.logFile!, 'utf8');
    expect(log).toContain('Shutdown complete');

    await server.start();
    expect(await server.query('SELECT id FROM kept')).toEqual([{ id: 7 }]);
  });

  it('restart({ downMs }) refuses connections while down, then serves again', async () => {
    const downMs = 1_500;
    const observed: string[] = [];
    const started = performance.now();
    let restarted = false;
    const restart = server.restart({ downMs, signal: 'SIGKILL' }).then(() => {
      restarted = true;
    });
    while (!restarted) {
      observed.push(await tryConnect(server));
      await delay(100);
    }
    await restart;
    const elapsed = performance.now() - started;

    expect(observed).toContain('ECONNREFUSED');
    expect(elapsed).toBeGreaterThanOrEqual(downMs);
    expect(await tryConnect(server)).toBe('connected');
  });

  it('restart() with serverOptions reconfigures the server', async () => {
    await server.restart({ serverOptions: { max_allowed_packet: '2M', wait_timeout: 5 } });
    expect(
      await server.query(
        'SELECT @@GLOBAL.max_allowed_packet AS packet, @@GLOBAL.wait_timeout AS waitTimeout',
      ),
    ).toEqual([{ packet: 2_097_152, waitTimeout: 5 }]);
  });

  it('refuses to start a server that is already running', async () => {
    await expect(server.start()).rejects.toMatchObject({ code: 'HARNESS_INVALID_STATE' });
    expect(await server.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('in-flight queries see the crash, and the admin query() reconnects after start()', async () => {
    const app = await createConnection(server.connection);
    app.on('error', () => undefined);
    const sleeping = app.query('SELECT SLEEP(30)').then(
      () => 'returned',
      (error: { code?: string }) => String(error.code),
    );
    // Wait until the statement is really running on the server before pulling the plug.
    for (let i = 0; i < 100 && (await server.processIds()).length === 0; i += 1) await delay(20);
    await server.kill();
    expect(await sleeping).toMatch(/PROTOCOL_CONNECTION_LOST|ECONNRESET/);
    await server.start();
    expect(await server.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    app.destroy();
  });
});
