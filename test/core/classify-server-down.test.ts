import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import mysql from 'mysql2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classify } from '../../packages/core/src/classification/classify.js';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  startMariaDB,
} from '../harness/src/index.js';

/** What mysql2 sees when the whole server goes away: a graceful shutdown and a crash (SIGKILL). */

type DriverError = Error & Record<string, unknown>;

function connect(server: MariaDBServer): Promise<mysql.Connection> {
  const connection = mysql.createConnection(server.connection);
  return new Promise((resolve, reject) =>
    connection.connect((error) => (error ? reject(error) : resolve(connection))),
  );
}

function failedQuery(connection: mysql.Connection, sql: string): Promise<DriverError> {
  return new Promise((resolve, reject) => {
    connection.query(sql, (error) =>
      error ? resolve(error as unknown as DriverError) : reject(new Error(`${sql} succeeded`)),
    );
  });
}

describe.skipIf(!canControlServers)('classify: the server goes away', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  let server: MariaDBServer;
  const connections: mysql.Connection[] = [];

  beforeEach(async () => {
    server = await startMariaDB();
  });

  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.destroy();
    await server.destroy();
  });

  async function tracked(): Promise<mysql.Connection> {
    const connection = await connect(server);
    connection.on('error', () => undefined);
    connections.push(connection);
    return connection;
  }

  it('a graceful shutdown: PROTOCOL_CONNECTION_LOST mid-query and while idle (no 1053 reaches mysql2), then ECONNREFUSED', async () => {
    const busy = await tracked();
    const idle = await tracked();
    const idleLost = once(idle, 'error');
    const running = failedQuery(busy, 'SELECT SLEEP(30)');
    await delay(200);
    await server.stop();

    const midQuery = await running;
    const [whileIdle] = (await idleLost) as [DriverError];
    for (const lost of [midQuery, whileIdle]) {
      expect({ code: lost.code, errno: lost.errno, fatal: lost.fatal }).toEqual({
        code: 'PROTOCOL_CONNECTION_LOST',
        errno: undefined,
        fatal: true,
      });
      expect(classify(lost)).toMatchObject({ kind: 'connection-lost', sent: 'maybe', connection: 'dispose' });
    }

    const refused = await connect(server).then(
      () => undefined,
      (error: DriverError) => error,
    );
    expect(refused?.code).toBe('ECONNREFUSED');
    expect(classify(refused)).toMatchObject({ kind: 'connect-failed', sent: 'no', retry: 'safe' });
  });

  it('a crash (SIGKILL) mid-query: PROTOCOL_CONNECTION_LOST', async () => {
    const busy = await tracked();
    const running = failedQuery(busy, 'SELECT SLEEP(30)');
    await delay(200);
    await server.kill();
    const lost = await running;
    expect({ code: lost.code, errno: lost.errno, fatal: lost.fatal }).toEqual({
      code: 'PROTOCOL_CONNECTION_LOST',
      errno: undefined,
      fatal: true,
    });
    expect(classify(lost)).toMatchObject({ kind: 'connection-lost', sent: 'maybe', retry: 'if-idempotent' });
  });
});
