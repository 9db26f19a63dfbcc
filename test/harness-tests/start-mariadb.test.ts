import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  isProcessAlive,
  type MariaDBServer,
  noControlReason,
  startMariaDB,
} from '../harness/src/index.js';

const servers: MariaDBServer[] = [];

async function start(...args: Parameters<typeof startMariaDB>): Promise<MariaDBServer> {
  const server = await startMariaDB(...args);
  servers.push(server);
  return server;
}

afterAll(async () => {
  await Promise.all(servers.map((server) => server.destroy()));
});

describe.skipIf(!canControlServers)('startMariaDB', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  it('starts a private server for the application user in about a second (times are reported)', async () => {
    const started = performance.now();
    const server = await start();
    const withTemplateMs = Math.round(performance.now() - started);

    const coldStarted = performance.now();
    const cold = await start({ useTemplate: false });
    const withoutTemplateMs = Math.round(performance.now() - coldStarted);
    console.info(
      `[harness] startMariaDB(): ${withTemplateMs} ms from the template datadir ${JSON.stringify(server.timings)}, ` +
        `${withoutTemplateMs} ms with mariadb-install-db ${JSON.stringify(cold.timings)}`,
    );

    expect(server.timings?.fromTemplate).toBe(true);
    expect(cold.timings?.fromTemplate).toBe(false);
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).not.toBe(3306);
    expect(server.canControl).toBe(true);
    expect(server.external).toBe(false);
    expect(server.dir?.startsWith(join(tmpdir(), 'goneaway-mariadb-'))).toBe(true);
    expect(server.pid !== undefined && isProcessAlive(server.pid)).toBe(true);
    expect(server.url).toBe(
      `mysql://goneaway:${server.connection.password}@127.0.0.1:${server.port}/goneaway`,
    );
    expect(server.connection.password).toMatch(/^[0-9a-f]{32}$/);
    // Generous: a loaded 2-core machine must not fail this; the measured time is in the log above.
    expect(withTemplateMs).toBeLessThan(30_000);

    const app = await createConnection(server.url);
    try {
      const [rows] = await app.query('SELECT CURRENT_USER() AS user, DATABASE() AS db');
      expect(rows).toEqual([{ user: 'goneaway@%', db: 'goneaway' }]);
    } finally {
      await app.end();
    }
    expect(await server.version()).toMatch(/MariaDB/);
    expect(await cold.version()).toMatch(/MariaDB/);
  });

  it('runs several servers at once, each with its own data', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    expect(a.pid).not.toBe(b.pid);
    expect(a.dir).not.toBe(b.dir);

    await a.query('CREATE TABLE only_in_a (id INT PRIMARY KEY)');
    const inA = await a.query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_NAME = 'only_in_a'",
    );
    const inB = await b.query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_NAME = 'only_in_a'",
    );
    expect(inA).toHaveLength(1);
    expect(inB).toHaveLength(0);
  });

  it('applies serverOptions to the server', async () => {
    const server = await start({
      serverOptions: { wait_timeout: 2, max_allowed_packet: '1M', innodb_flush_log_at_trx_commit: 1 },
    });
    const [globals] = await server.query(
      'SELECT @@GLOBAL.wait_timeout AS waitTimeout, @@GLOBAL.max_allowed_packet AS maxAllowedPacket, ' +
        '@@GLOBAL.innodb_flush_log_at_trx_commit AS flush',
    );
    expect(globals).toEqual({ waitTimeout: 2, maxAllowedPacket: 1_048_576, flush: 1 });

    const app = await createConnection(server.connection);
    try {
      const [rows] = await app.query('SELECT @@SESSION.wait_timeout AS waitTimeout');
      expect(rows).toEqual([{ waitTimeout: 2 }]);
    } finally {
      await app.end();
    }
  });

  it('puts the tail of the error log in the error when mariadbd refuses to start', async () => {
    const error = await startMariaDB({ serverOptions: { no_such_option_goneaway: 1 } }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string; logTail?: string },
    );
    expect(error?.code).toBe('HARNESS_START_FAILED');
    expect(error?.message).toMatch(/exited \(code \d+\) before answering/);
    // mariadbd's own words, read back from error.log.
    expect(error?.logTail).toContain("unknown variable 'no_such_option_goneaway=1'");
    expect(error?.message).toContain("unknown variable 'no_such_option_goneaway=1'");
  });

  it('fails with the log tail when the server does not answer within startTimeoutMs', async () => {
    const error = await startMariaDB({ startTimeoutMs: 1 }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe('HARNESS_START_FAILED');
    expect(error?.message).toContain('did not answer within 1 ms');
  });

  it('rejects invalid serverOptions before starting anything', async () => {
    await expect(startMariaDB({ serverOptions: { 'bad name!': 1 } })).rejects.toMatchObject({
      code: 'HARNESS_INVALID_ARGUMENT',
    });
    await expect(startMariaDB({ serverOptions: { wait_timeout: Number.NaN } })).rejects.toMatchObject({
      code: 'HARNESS_INVALID_ARGUMENT',
    });
  });

  it('gives the application user no SUPER, so read_only stops its writes with 1290', async () => {
    const server = await start();
    const app = await createConnection(server.connection);
    try {
      const [grants] = await app.query('SHOW GRANTS');
      const text = JSON.stringify(grants);
      expect(text).toContain('GRANT PROCESS ON *.*');
      expect(text).toContain('GRANT ALL PRIVILEGES ON `goneaway`.*');
      expect(text).not.toMatch(/SUPER|READ_ONLY ADMIN/);

      await app.query('CREATE TABLE ro_check (id INT PRIMARY KEY)');
      await server.query('SET GLOBAL read_only = 1');
      const failure = await app.query('INSERT INTO ro_check VALUES (1)').then(
        () => undefined,
        (e: unknown) => e as { errno?: number },
      );
      expect(failure?.errno).toBe(1290);
      // The admin is not bound by read_only: the server itself is fine.
      await server.query('INSERT INTO goneaway.ro_check VALUES (2)');
      await server.query('SET GLOBAL read_only = 0');
      await app.query('INSERT INTO ro_check VALUES (3)');
      const [rows] = await app.query('SELECT id FROM ro_check ORDER BY id');
      expect(rows).toEqual([{ id: 2 }, { id: 3 }]);
    } finally {
      await app.end();
    }
  });

  it('lists and kills the connections of a user, never the admin pool', async () => {
    const server = await start();
    const apps = await Promise.all([1, 2, 3].map(() => createConnection(server.connection)));
    const lost: unknown[] = [];
    for (const app of apps) app.on('error', (error) => lost.push(error));
    try {
      await server.query('SELECT 1'); // the admin pool has a connection of its own now
      const ids = apps.map((app) => app.threadId).sort((x, y) => x - y);
      expect(await server.processIds()).toEqual(ids);
      expect(await server.processIds('root')).toEqual([]);

      expect(await server.killConnections()).toBe(3);
      expect(await server.processIds()).toEqual([]);
      await expect(apps[0]!.query('SELECT 1')).rejects.toBeDefined();
      expect(await server.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      for (const app of apps) app.destroy();
    }
  });

  it('destroy() ends the process and deletes the temp dir, and may be called twice', async () => {
    const server = await startMariaDB();
    const { pid, dir } = server;
    expect(pid).toBeTypeOf('number');
    expect(dir && existsSync(dir)).toBe(true);
    await server.destroy();
    expect(isProcessAlive(pid!)).toBe(false);
    expect(existsSync(dir!)).toBe(false);
    expect(server.pid).toBeUndefined();
    await server.destroy();
    await expect(server.start()).rejects.toMatchObject({ code: 'HARNESS_DESTROYED' });
  });

  it('returns the MYSQL_URL server instead, which it refuses to control', async () => {
    const target = await start();
    const previous = process.env.MYSQL_URL;
    process.env.MYSQL_URL = target.url;
    let external: MariaDBServer;
    try {
      external = await startMariaDB({ serverOptions: { wait_timeout: 1 } });
    } finally {
      if (previous === undefined) delete process.env.MYSQL_URL;
      else process.env.MYSQL_URL = previous;
    }
    try {
      expect(external.external).toBe(true);
      expect(external.canControl).toBe(false);
      expect(external.connection).toEqual(target.connection);
      expect(external.pid).toBeUndefined();
      // serverOptions were ignored: the target keeps its own wait_timeout.
      expect(await external.query('SELECT @@GLOBAL.wait_timeout AS w')).toEqual([{ w: 28_800 }]);
      for (const operation of [
        () => external.kill(),
        () => external.stop(),
        () => external.start(),
        () => external.restart(),
      ]) {
        await expect(operation()).rejects.toMatchObject({
          code: 'HARNESS_UNSUPPORTED',
          message: expect.stringContaining('MYSQL_URL'),
        });
      }
    } finally {
      await external.destroy();
    }
    // Destroying the external view leaves the real server alone.
    expect(await target.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });
});
