import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { sharedServer } from '../harness/src/index.js';

describe('the shared server of the test run', () => {
  it('is provided by the globalSetup and answers queries', async () => {
    const provided = inject('mariadb');
    const server = sharedServer();
    expect(server.url).toBe(provided.url);
    expect(server.port).toBe(provided.port);
    expect(server.connection).toEqual(provided.connection);
    expect(server.canControl).toBe(false);
    expect(sharedServer()).toBe(server);

    expect(await server.version()).toMatch(/\d+\.\d+\.\d+/);
    const app = await createConnection(provided.connection);
    try {
      const [rows] = await app.query('SELECT DATABASE() AS db');
      expect(rows).toEqual([{ db: provided.connection.database }]);
    } finally {
      await app.end();
    }
  });

  it('refuses to stop, kill, start or restart it, and says why', async () => {
    const server = sharedServer();
    for (const operation of [
      () => server.kill(),
      () => server.stop(),
      () => server.start(),
      () => server.restart(),
    ]) {
      await expect(operation()).rejects.toMatchObject({
        code: 'HARNESS_UNSUPPORTED',
        message: expect.stringContaining('startMariaDB()'),
      });
    }
    expect(await server.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  // Other test files share the application user: killing is tried on a user of this test's own.
  it.skipIf(!inject('mariadb').canControl)('kills the connections of one user only', async () => {
    const server = sharedServer();
    const user = `harness_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(8).toString('hex');
    await server.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
    try {
      const settings = { host: server.host, port: server.port, user, password };
      const connections = await Promise.all([createConnection(settings), createConnection(settings)]);
      for (const connection of connections) connection.on('error', () => undefined);
      const bystander = await createConnection(server.connection);
      try {
        expect(await server.processIds(user)).toEqual(
          connections.map((c) => c.threadId).sort((a, b) => a - b),
        );
        expect(await server.killConnections(user)).toBe(2);
        expect(await server.processIds(user)).toEqual([]);
        const [rows] = await bystander.query('SELECT 1 AS ok');
        expect(rows).toEqual([{ ok: 1 }]);
      } finally {
        for (const connection of connections) connection.destroy();
        await bystander.end();
      }
    } finally {
      await server.query('DROP USER ?@?', [user, '%']);
    }
  });
});
