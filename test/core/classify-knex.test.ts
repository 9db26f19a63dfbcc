import { setTimeout as delay } from 'node:timers/promises';
import knexFactory, { type Knex } from 'knex';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../packages/core/src/classification/classify.js';
import { ConnectionLostError } from '../../packages/core/src/errors/connection-lost-error.js';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  startMariaDB,
} from '../harness/src/index.js';

/**
 * The same real faults seen through knex 3 (mysql2 dialect): knex rewrites the driver error's
 * message to `<sql with values> - <message>` and sometimes hands back a different error than the one
 * that happened first. classify() must still see what it is.
 */

type DriverError = Error & Record<string, unknown>;

async function failure(promise: PromiseLike<unknown>): Promise<DriverError> {
  const outcome = await Promise.resolve(promise).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as DriverError;
}

const silentLog = { warn() {}, error() {}, deprecate() {}, debug() {} };

describe.skipIf(!canControlServers)('classify: real errors wrapped by knex', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  let server: MariaDBServer;
  let db: Knex;

  beforeAll(async () => {
    server = await startMariaDB();
    await server.query('CREATE TABLE goneaway.items (id INT PRIMARY KEY, label VARCHAR(100)) ENGINE=InnoDB');
    db = knexFactory({
      client: 'mysql2',
      connection: server.connection,
      pool: { min: 0, max: 2 },
      log: silentLog,
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await server?.destroy();
  });

  async function killApplicationConnections(): Promise<void> {
    for (const id of await server.processIds()) await server.query(`KILL ${id}`);
  }

  it('a duplicate key: knex prefixes the SQL with its values; still not-connection-related', async () => {
    await db('items').insert({ id: 1, label: 'first' });
    const duplicate = await failure(db('items').insert({ id: 1, label: 'dup-value' }));
    expect(duplicate.message).toBe(
      "insert into `items` (`id`, `label`) values (1, 'dup-value') - Duplicate entry '1' for key 'PRIMARY'",
    );
    expect(duplicate).toMatchObject({ code: 'ER_DUP_ENTRY', errno: 1062 });
    expect(classify(duplicate)).toMatchObject({
      kind: 'not-connection-related',
      connection: 'usable',
      retry: 'never',
      code: 'ER_DUP_ENTRY',
      errno: 1062,
    });
  });

  it('a KILL mid-query: PROTOCOL_CONNECTION_LOST with the SQL prefixed', async () => {
    const running = failure(db.raw('SELECT SLEEP(30)'));
    await delay(300);
    await killApplicationConnections();
    const lost = await running;
    expect(lost.message).toBe('SELECT SLEEP(30) - Connection lost: The server closed the connection.');
    expect(lost).toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    expect(classify(lost)).toMatchObject({ kind: 'connection-lost', sent: 'maybe', retry: 'if-idempotent' });
  });

  it('a transaction whose connection is killed mid-statement rejects with the ROLLBACK error, not the first one', async () => {
    const outcome = failure(
      db.transaction(async (trx) => {
        await trx('items').insert({ id: 2, label: 'in-trx' });
        const running = trx.raw('SELECT SLEEP(30)');
        await delay(300);
        await killApplicationConnections();
        await running;
      }),
    );
    const rejected = await outcome;
    expect(rejected.message).toBe("ROLLBACK - Can't add new command when connection is in closed state");
    expect(rejected).toMatchObject({ fatal: true });
    expect(rejected.code).toBeUndefined();
    // The ROLLBACK itself was never sent; the server rolled the transaction back when the connection died.
    expect(classify(rejected)).toMatchObject({ kind: 'connection-lost', sent: 'no', retry: 'safe' });
    expect(await server.query('SELECT id FROM goneaway.items WHERE id = 2')).toEqual([]);
  });

  it('COMMIT on a connection killed while idle: trx.commit() resolves, the transaction rejects without a code', async () => {
    const trx = await db.transaction();
    const settled = (trx as unknown as { executionPromise: Promise<unknown> }).executionPromise.then(
      () => undefined,
      (error: DriverError) => error,
    );
    await trx('items').insert({ id: 3, label: 'lost-commit' });
    await killApplicationConnections();
    await delay(200);
    // Measured: knex swallows the COMMIT failure in the promise commit() returns.
    await expect(trx.commit()).resolves.toBeUndefined();
    const rejected = await settled;
    expect(rejected?.message).toBe("COMMIT; - Can't add new command when connection is in closed state");
    expect(rejected?.code).toBeUndefined();
    // Never sent: the transaction died with its connection before COMMIT (TransactionLost, not CommitUnknown).
    expect(classify(rejected)).toMatchObject({ kind: 'connection-lost', sent: 'no' });
    expect(await server.query('SELECT id FROM goneaway.items WHERE id = 3')).toEqual([]);
  });

  it('a statement in a transaction whose connection was killed while idle', async () => {
    const trx = await db.transaction();
    trx.executionPromise.catch(() => undefined);
    await trx('items').insert({ id: 4, label: 'before' });
    await killApplicationConnections();
    await delay(200);
    const closed = await failure(trx('items').insert({ id: 5, label: 'after-kill' }));
    expect(closed.message).toBe(
      "insert into `items` (`id`, `label`) values (5, 'after-kill') - Can't add new command when connection is in closed state",
    );
    expect(classify(closed)).toMatchObject({ kind: 'connection-lost', sent: 'no' });
    await trx.rollback().catch(() => undefined);
  });

  it('a wrong password reaches the caller unwrapped: 1045', async () => {
    const bad = knexFactory({
      client: 'mysql2',
      connection: { ...server.connection, password: 'Wr0ng-S3cret' },
      pool: { min: 0, max: 1 },
      acquireConnectionTimeout: 5_000,
      log: silentLog,
    });
    try {
      const denied = await failure(bad.raw('SELECT 1'));
      expect(denied).toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 });
      expect(classify(denied)).toMatchObject({ kind: 'auth-failed', retry: 'never' });
    } finally {
      await bad.destroy();
    }
  });

  it('.timeout(ms): KnexTimeoutError, no code; the statement may still run and knex drops the connection', async () => {
    const timedOut = await failure(db.raw('SELECT SLEEP(2)').timeout(200));
    expect(timedOut.name).toBe('KnexTimeoutError');
    expect(timedOut.message).toBe('Defined query timeout of 200ms exceeded when running query.');
    expect(classify(timedOut)).toMatchObject({
      kind: 'statement-timeout',
      sent: 'maybe',
      connection: 'dispose',
      retry: 'never',
    });
  });

  it('read_only: 1290 decided by the server message, not by values in the prefixed SQL', async () => {
    await server.query('SET GLOBAL read_only = 1');
    try {
      const readOnly = await failure(db('items').insert({ id: 6, label: 'read-only' }));
      expect(readOnly.message).toContain(
        "values (6, 'read-only') - The MariaDB server is running with the --read-only",
      );
      expect(classify(readOnly)).toMatchObject({ kind: 'read-only', connection: 'dispose', retry: 'never' });
    } finally {
      await server.query('SET GLOBAL read_only = 0');
    }
  });

  it('1290 for another option (max_user_connections fixed at 0) is not read-only', async () => {
    const admin = await mysql.createConnection(server.adminConnection);
    try {
      const prevented = await failure(admin.query('SET GLOBAL max_user_connections = 2'));
      expect(prevented).toMatchObject({ errno: 1290, code: 'ER_OPTION_PREVENTS_STATEMENT' });
      expect(prevented.sqlMessage).toContain('--max-user-connections=0 option');
      expect(classify(prevented)).toMatchObject({ kind: 'not-connection-related', connection: 'usable' });
    } finally {
      await admin.end();
    }
  });

  it('sees through further wrapping: cause chains and goneaway errors', async () => {
    const running = failure(db.raw('SELECT SLEEP(30)'));
    await delay(300);
    await killApplicationConnections();
    const lost = await running;
    const wrapped = new Error('repository failed', { cause: new Error('service failed', { cause: lost }) });
    expect(classify(wrapped)).toMatchObject({ kind: 'connection-lost', sent: 'maybe' });
    const ours = new ConnectionLostError({ statement: 'SELECT SLEEP(30)', cause: lost });
    expect(classify(ours)).toEqual(classify(lost));
    expect(classify(new Error('outer', { cause: ours }))).toEqual(classify(lost));
  });
});
