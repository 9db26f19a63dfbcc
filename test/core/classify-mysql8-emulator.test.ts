import { once } from 'node:events';
import knexFactory from 'knex';
import mysql from 'mysql2';
import { afterEach, describe, expect, it } from 'vitest';
import { classify } from '../../packages/core/src/classification/classify.js';
import { type MysqlEmulator, startMysqlEmulator } from '../harness/src/mysql-emulator.js';

/**
 * MySQL-8-only behaviour, from mysql2.createServer (MariaDB cannot produce it): the unsolicited 4031
 * a MySQL 8.0.24+ server writes when wait_timeout expires, 1290 from a primary demoted by a failover,
 * and 3024 (max_execution_time). The client side is the real mysql2 and knex.
 */

type DriverError = Error & Record<string, unknown>;

const emulators: MysqlEmulator[] = [];
const connections: mysql.Connection[] = [];

async function emulator(behaviour: Parameters<typeof startMysqlEmulator>[0]): Promise<MysqlEmulator> {
  const started = await startMysqlEmulator(behaviour);
  emulators.push(started);
  return started;
}

async function connect(target: MysqlEmulator): Promise<mysql.Connection> {
  const connection = mysql.createConnection(target.connection);
  connections.push(connection);
  connection.on('error', () => undefined);
  await new Promise<void>((resolve, reject) =>
    connection.connect((error) => (error ? reject(error) : resolve())),
  );
  return connection;
}

function query(connection: mysql.Connection, sql: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    connection.query(sql, (error, rows) => (error ? reject(error) : resolve(rows)));
  });
}

async function failure(promise: Promise<unknown>): Promise<DriverError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as DriverError;
}

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.destroy();
  for (const started of emulators.splice(0)) await started.close();
});

describe('classify: MySQL 8 behaviour (mysql2.createServer emulation)', () => {
  it('answers like a server: SELECT 1, session variables, version(), CONNECTION_ID()', async () => {
    const target = await emulator({ variables: { wait_timeout: 2 } });
    const connection = await connect(target);
    expect(await query(connection, 'SELECT 1')).toEqual([{ 1: 1 }]);
    expect(
      await query(
        connection,
        'SELECT @@session.wait_timeout AS wait_timeout, @@global.read_only AS read_only, version() AS version, CONNECTION_ID() AS id',
      ),
    ).toEqual([{ wait_timeout: 2, read_only: 0, version: '8.0.36-emulator', id: 1 }]);
    expect(target.queries).toHaveLength(2);
  });

  it('4031 while idle: an unsolicited ERR with a numeric code, then the socket closes', async () => {
    const target = await emulator({ idleTimeoutMs: 200 });
    const connection = await connect(target);
    await query(connection, 'SELECT 1');
    const [idle] = (await once(connection, 'error')) as [DriverError];
    // mysql2 (Connection.protocolError) keeps the ERR packet's number as `code`, with no errno.
    expect({ code: idle.code, errno: idle.errno, fatal: idle.fatal }).toEqual({
      code: 4031,
      errno: undefined,
      fatal: true,
    });
    expect(idle.message).toContain('disconnected by the server because of inactivity');
    expect(classify(idle)).toEqual({
      kind: 'idle-timeout',
      sent: 'no',
      connection: 'dispose',
      retry: 'safe',
      code: 'ER_CLIENT_INTERACTION_TIMEOUT',
      errno: 4031,
      hint: expect.stringContaining('wait_timeout'),
    });
    const next = await failure(query(connection, 'SELECT 1'));
    expect(classify(next)).toMatchObject({ kind: 'connection-lost', sent: 'no', retry: 'safe' });
  });

  it('1290 after a failover: the same pooled connection starts refusing writes', async () => {
    const target = await emulator({});
    const connection = await connect(target);
    await query(connection, 'INSERT INTO t (a) VALUES (1)');
    target.configure({ readOnly: true });
    const readOnly = await failure(query(connection, 'INSERT INTO t (a) VALUES (2)'));
    expect({ code: readOnly.code, errno: readOnly.errno }).toEqual({
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
    });
    expect(classify(readOnly)).toMatchObject({
      kind: 'read-only',
      sent: 'yes',
      connection: 'dispose',
      retry: 'never',
    });
    // Reads still work there: only writes tell a demoted primary apart.
    expect(await query(connection, 'SELECT 1')).toEqual([{ 1: 1 }]);

    target.configure({ readOnly: 'super-read-only' });
    const superReadOnly = await failure(query(connection, 'UPDATE t SET a = 3'));
    expect(superReadOnly.sqlMessage).toContain('--super-read-only');
    expect(classify(superReadOnly).kind).toBe('read-only');
  });

  it('1290 through knex: the value-laden SQL prefix does not matter', async () => {
    const target = await emulator({ readOnly: true });
    const db = knexFactory({ client: 'mysql2', connection: target.connection, pool: { min: 0, max: 1 } });
    try {
      const readOnly = await failure(db('t').insert({ note: 'read-only please' }));
      expect(readOnly.message).toMatch(/^insert into `t` \(`note`\) values \('read-only please'\) - /);
      expect(classify(readOnly)).toMatchObject({ kind: 'read-only', connection: 'dispose' });
    } finally {
      await db.destroy();
    }
  });

  it('3024 (max_execution_time): statement-timeout, and the connection answers the next query', async () => {
    const target = await emulator({ statementTimeout: { match: /SLEEP/i, afterMs: 100 } });
    const connection = await connect(target);
    const timedOut = await failure(query(connection, 'SELECT SLEEP(10)'));
    expect({ code: timedOut.code, errno: timedOut.errno }).toEqual({ code: 'ER_QUERY_TIMEOUT', errno: 3024 });
    expect(classify(timedOut)).toMatchObject({
      kind: 'statement-timeout',
      sent: 'yes',
      connection: 'usable',
      retry: 'never',
    });
    expect(await query(connection, 'SELECT 1')).toEqual([{ 1: 1 }]);
  });
});
