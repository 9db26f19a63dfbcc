import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import mysql from 'mysql2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../packages/core/src/classification/classify.js';
import {
  type ConnectionInfo,
  canControlServers,
  type FaultProxy,
  type MariaDBServer,
  noControlReason,
  startFaultProxy,
  startMariaDB,
} from '../harness/src/index.js';

/**
 * What a private MariaDB and mysql2 really produce for each fault, and what classify() makes of it.
 * The shapes asserted here (code, errno, fatal, syscall) are measurements: if a MariaDB or mysql2
 * upgrade changes them, these tests say so.
 */

type DriverError = Error & Record<string, unknown>;

const opened: mysql.Connection[] = [];

async function connect(
  info: ConnectionInfo,
  extra: Partial<mysql.ConnectionOptions> = {},
): Promise<mysql.Connection> {
  const connection = mysql.createConnection({ ...info, ...extra });
  opened.push(connection);
  // Faults also surface as 'error' events; without a listener they would crash the test process.
  connection.on('error', () => undefined);
  await new Promise<void>((resolve, reject) =>
    connection.connect((error) => (error ? reject(error) : resolve())),
  );
  return connection;
}

function query(connection: mysql.Connection, sql: string, values: unknown[] = []): Promise<unknown> {
  return new Promise((resolve, reject) => {
    connection.query(sql, values, (error, rows) => (error ? reject(error) : resolve(rows)));
  });
}

/** The error a promise rejects with; fails the test if it resolves. */
async function failure(promise: Promise<unknown>): Promise<DriverError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as DriverError;
}

async function connectFailure(info: ConnectionInfo, extra: Partial<mysql.ConnectionOptions> = {}) {
  return failure(connect(info, extra));
}

/** The next 'error' event of a connection (mysql2 emits fatal errors there when no command is running). */
async function nextErrorEvent(connection: mysql.Connection): Promise<DriverError> {
  const [error] = await once(connection, 'error');
  return error as DriverError;
}

function shapeOf(error: DriverError) {
  return {
    code: error.code,
    errno: error.errno,
    fatal: error.fatal,
    syscall: error.syscall,
  };
}

afterEach(() => {
  for (const connection of opened.splice(0)) connection.destroy();
});

// Server errors during the handshake (1040, 1203, 1226, 1045) reach the connect callback without `fatal`.
describe.skipIf(!canControlServers)('classify: errors a private MariaDB really produces (mysql2)', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  let server: MariaDBServer;

  beforeAll(async () => {
    // A finite max_user_connections at start lets a test lower it later (0 at start makes it read-only).
    server = await startMariaDB({ serverOptions: { max_user_connections: 100 } });
    await server.query('CREATE TABLE goneaway.rows_t (id INT PRIMARY KEY, v LONGBLOB) ENGINE=InnoDB');
    await server.query('INSERT INTO goneaway.rows_t (id) VALUES (1), (2), (3)');
  });

  afterAll(async () => {
    await server?.destroy();
  });

  async function killApplicationConnections(mode: 'CONNECTION' | 'QUERY' = 'CONNECTION'): Promise<void> {
    const ids = await server.processIds();
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) await server.query(`KILL ${mode} ${id}`);
  }

  it('KILL of an idle connection: PROTOCOL_CONNECTION_LOST event, then the closed-state error', async () => {
    const connection = await connect(server.connection);
    const event = nextErrorEvent(connection);
    await killApplicationConnections();
    const lost = await event;
    expect(shapeOf(lost)).toEqual({
      code: 'PROTOCOL_CONNECTION_LOST',
      errno: undefined,
      fatal: true,
      syscall: undefined,
    });
    expect(classify(lost)).toMatchObject({
      kind: 'connection-lost',
      sent: 'maybe',
      connection: 'dispose',
      retry: 'if-idempotent',
    });

    const next = await failure(query(connection, 'SELECT 1'));
    expect(next.message).toBe("Can't add new command when connection is in closed state");
    expect(shapeOf(next)).toEqual({ code: undefined, errno: undefined, fatal: true, syscall: undefined });
    expect(classify(next)).toMatchObject({
      kind: 'connection-lost',
      sent: 'no',
      connection: 'dispose',
      retry: 'safe',
    });
  });

  it('KILL mid-query: the query fails with PROTOCOL_CONNECTION_LOST (MariaDB sends no 1927 to mysql2)', async () => {
    const connection = await connect(server.connection);
    const running = failure(query(connection, 'SELECT SLEEP(30)'));
    await delay(200);
    await killApplicationConnections();
    const lost = await running;
    expect(shapeOf(lost)).toEqual({
      code: 'PROTOCOL_CONNECTION_LOST',
      errno: undefined,
      fatal: true,
      syscall: undefined,
    });
    expect(classify(lost)).toMatchObject({ kind: 'connection-lost', sent: 'maybe', retry: 'if-idempotent' });
  });

  it('KILL QUERY: 1317 interrupted, and the connection stays usable', async () => {
    const connection = await connect(server.connection);
    const running = failure(query(connection, 'SELECT SLEEP(30) FROM rows_t'));
    await delay(200);
    await killApplicationConnections('QUERY');
    const interrupted = await running;
    expect(shapeOf(interrupted)).toEqual({
      code: 'ER_QUERY_INTERRUPTED',
      errno: 1317,
      fatal: undefined,
      syscall: undefined,
    });
    expect(interrupted.sqlState).toBe('70100');
    expect(classify(interrupted)).toMatchObject({
      kind: 'interrupted',
      sent: 'yes',
      connection: 'usable',
      retry: 'never',
    });
    expect(await query(connection, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('wait_timeout on an idle connection: MariaDB resets it (ECONNRESET read), no 4031', async () => {
    const connection = await connect(server.connection);
    await query(connection, 'SET SESSION wait_timeout = 1');
    const reset = await nextErrorEvent(connection);
    expect(shapeOf(reset)).toEqual({ code: 'ECONNRESET', errno: -104, fatal: true, syscall: 'read' });
    expect(classify(reset)).toMatchObject({ kind: 'connection-lost', sent: 'maybe', connection: 'dispose' });
    expect(classify(await failure(query(connection, 'SELECT 1')))).toMatchObject({
      sent: 'no',
      retry: 'safe',
    });
  });

  describe('max_allowed_packet', () => {
    afterEach(async () => {
      await server.query('SET GLOBAL max_allowed_packet = 16777216');
    });

    it('a packet far over the limit: the write is reset (ECONNRESET write) or, if the reply wins the race, 1153', async () => {
      await server.query('SET GLOBAL max_allowed_packet = 1048576');
      const connection = await connect(server.connection);
      const failed = await failure(
        query(connection, 'INSERT INTO rows_t VALUES (10, ?)', [Buffer.alloc(2 << 20, 7)]),
      );
      // The server reads the header, answers 1153 and closes while the client is still writing the
      // rest. Usually the write fails first (ECONNRESET, syscall write); sometimes the client has
      // already read the 1153 reply. Both happen on this machine, so both are accepted — each with
      // its own exact shape and classification.
      if (failed.code === 'ECONNRESET') {
        expect(shapeOf(failed)).toEqual({ code: 'ECONNRESET', errno: -104, fatal: true, syscall: 'write' });
        // Indistinguishable from any reset: only the packet guard (before sending) can name it.
        expect(classify(failed)).toMatchObject({
          kind: 'connection-lost',
          sent: 'maybe',
          connection: 'dispose',
        });
      } else {
        expect(shapeOf(failed)).toEqual({
          code: 'ER_NET_PACKET_TOO_LARGE',
          errno: 1153,
          fatal: undefined,
          syscall: undefined,
        });
        expect(classify(failed)).toMatchObject({
          kind: 'packet-too-large',
          connection: 'dispose',
          retry: 'never',
        });
      }
      expect(await server.query('SELECT id FROM goneaway.rows_t WHERE id = 10')).toEqual([]);
    });

    it('a packet that fits in the socket buffers: the server answers 1153 and closes', async () => {
      await server.query('SET GLOBAL max_allowed_packet = 16384');
      const connection = await connect(server.connection);
      const tooLarge = await failure(
        query(connection, 'INSERT INTO rows_t VALUES (11, ?)', [Buffer.alloc(20_000, 7)]),
      );
      expect(shapeOf(tooLarge)).toEqual({
        code: 'ER_NET_PACKET_TOO_LARGE',
        errno: 1153,
        fatal: undefined,
        syscall: undefined,
      });
      expect(tooLarge.sqlState).toBe('08S01');
      expect(classify(tooLarge)).toMatchObject({
        kind: 'packet-too-large',
        connection: 'dispose',
        retry: 'never',
        hint: 'Raise max_allowed_packet on the server or stream the BLOB in smaller chunks.',
      });
      // 'dispose' is right: the server has closed this connection (the next command races the close:
      // PROTOCOL_CONNECTION_LOST or the closed-state error).
      expect(classify(await failure(query(connection, 'SELECT 1')))).toMatchObject({
        kind: 'connection-lost',
        connection: 'dispose',
      });
    });
  });

  it('read_only with a non-SUPER user: 1290, read-only, dispose', async () => {
    const connection = await connect(server.connection);
    await server.query('SET GLOBAL read_only = 1');
    try {
      const readOnly = await failure(query(connection, 'INSERT INTO rows_t (id) VALUES (20)'));
      expect(shapeOf(readOnly)).toEqual({
        code: 'ER_OPTION_PREVENTS_STATEMENT',
        errno: 1290,
        fatal: undefined,
        syscall: undefined,
      });
      expect(readOnly.sqlMessage).toBe(
        'The MariaDB server is running with the --read-only option so it cannot execute this statement',
      );
      expect(classify(readOnly)).toMatchObject({
        kind: 'read-only',
        sent: 'yes',
        connection: 'dispose',
        retry: 'never',
      });
    } finally {
      await server.query('SET GLOBAL read_only = 0');
    }
  });

  it('a deadlock between two connections: 1213, the victim connection stays usable', async () => {
    const a = await connect(server.connection);
    const b = await connect(server.connection);
    await query(a, 'BEGIN');
    await query(b, 'BEGIN');
    await query(a, 'UPDATE rows_t SET v = NULL WHERE id = 1');
    await query(b, 'UPDATE rows_t SET v = NULL WHERE id = 2');
    const first = query(a, 'UPDATE rows_t SET v = NULL WHERE id = 2').then(
      () => undefined,
      (error: DriverError) => error,
    );
    await delay(200);
    const second = query(b, 'UPDATE rows_t SET v = NULL WHERE id = 1').then(
      () => undefined,
      (error: DriverError) => error,
    );
    const outcomes = await Promise.all([first, second]);
    const victims = outcomes.filter((outcome) => outcome !== undefined);
    expect(victims).toHaveLength(1);
    const deadlock = victims[0]!;
    expect(shapeOf(deadlock)).toEqual({
      code: 'ER_LOCK_DEADLOCK',
      errno: 1213,
      fatal: undefined,
      syscall: undefined,
    });
    expect(deadlock.sqlState).toBe('40001');
    expect(classify(deadlock)).toMatchObject({
      kind: 'deadlock',
      sent: 'yes',
      connection: 'usable',
      retry: 'whole-transaction',
    });
    for (const connection of [a, b]) await query(connection, 'ROLLBACK');
    expect(await query(outcomes[0] ? a : b, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('a lock wait timeout: 1205; only the statement was rolled back, the transaction goes on', async () => {
    const holder = await connect(server.connection);
    const waiter = await connect(server.connection);
    await query(waiter, 'SET SESSION innodb_lock_wait_timeout = 1');
    await query(holder, 'BEGIN');
    await query(holder, 'UPDATE rows_t SET v = NULL WHERE id = 3');
    await query(waiter, 'BEGIN');
    await query(waiter, 'INSERT INTO rows_t (id) VALUES (30)');
    const timeout = await failure(query(waiter, 'UPDATE rows_t SET v = NULL WHERE id = 3'));
    expect(shapeOf(timeout)).toEqual({
      code: 'ER_LOCK_WAIT_TIMEOUT',
      errno: 1205,
      fatal: undefined,
      syscall: undefined,
    });
    expect(classify(timeout)).toMatchObject({
      kind: 'lock-wait-timeout',
      sent: 'yes',
      connection: 'usable',
      retry: 'never',
    });
    // Why neither the statement nor the whole transaction is retried: the transaction is still open,
    // with its earlier insert, on this connection.
    expect(
      await query(waiter, 'SELECT @@in_transaction AS open, COUNT(*) AS n FROM rows_t WHERE id = 30'),
    ).toEqual([{ open: 1, n: 1 }]);
    await query(waiter, 'ROLLBACK');
    await query(holder, 'ROLLBACK');
  });

  it('max_statement_time: 1969, the connection stays usable', async () => {
    const connection = await connect(server.connection);
    await query(connection, 'SET SESSION max_statement_time = 0.2');
    const timedOut = await failure(query(connection, 'SELECT SLEEP(5) FROM rows_t'));
    expect(shapeOf(timedOut)).toEqual({ code: undefined, errno: 1969, fatal: undefined, syscall: undefined });
    expect(classify(timedOut)).toMatchObject({
      kind: 'statement-timeout',
      sent: 'yes',
      connection: 'usable',
      retry: 'never',
      code: 'ER_STATEMENT_TIMEOUT',
      errno: 1969,
    });
    await query(connection, 'SET SESSION max_statement_time = 0');
    expect(await query(connection, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('too many connections: 1040 at connect, never sent, safe', async () => {
    // MariaDB's minimum is 10; the admin pool's connections count too (SUPER keeps one spare).
    await server.query('SET GLOBAL max_connections = 10');
    try {
      let refused: DriverError | undefined;
      for (let i = 0; i < 20 && refused === undefined; i++) {
        refused = await connect(server.connection).then(
          () => undefined,
          (error: DriverError) => error,
        );
      }
      expect(refused).toBeDefined();
      expect(shapeOf(refused!)).toEqual({
        code: 'ER_CON_COUNT_ERROR',
        errno: 1040,
        fatal: undefined,
        syscall: undefined,
      });
      expect(classify(refused)).toMatchObject({
        kind: 'too-many-connections',
        sent: 'no',
        connection: 'dispose',
        retry: 'safe',
      });
    } finally {
      for (const connection of opened.splice(0)) connection.destroy();
      await server.query('SET GLOBAL max_connections = 200');
    }
  });

  it('max_user_connections: 1203 (global) and 1226 (per account)', async () => {
    await untilNoApplicationConnections();
    await server.query('SET GLOBAL max_user_connections = 2');
    try {
      await connect(server.connection);
      await connect(server.connection);
      const global = await connectFailure(server.connection);
      expect(shapeOf(global)).toEqual({
        code: 'ER_TOO_MANY_USER_CONNECTIONS',
        errno: 1203,
        fatal: undefined,
        syscall: undefined,
      });
      expect(classify(global)).toMatchObject({ kind: 'too-many-connections', sent: 'no', retry: 'safe' });
    } finally {
      for (const connection of opened.splice(0)) connection.destroy();
      await server.query('SET GLOBAL max_user_connections = 100');
    }
    await untilNoApplicationConnections();
    await server.query("ALTER USER 'goneaway'@'%' WITH MAX_USER_CONNECTIONS 1");
    try {
      await connect(server.connection);
      const perAccount = await connectFailure(server.connection);
      expect(shapeOf(perAccount)).toEqual({
        code: 'ER_USER_LIMIT_REACHED',
        errno: 1226,
        fatal: undefined,
        syscall: undefined,
      });
      expect(classify(perAccount)).toMatchObject({ kind: 'too-many-connections', sent: 'no', retry: 'safe' });
    } finally {
      await server.query("ALTER USER 'goneaway'@'%' WITH MAX_USER_CONNECTIONS 0");
    }
  });

  /** Connections destroyed by earlier tests leave the server's process list asynchronously. */
  async function untilNoApplicationConnections(): Promise<void> {
    for (let i = 0; i < 100 && (await server.processIds()).length > 0; i++) await delay(50);
    expect(await server.processIds()).toEqual([]);
  }

  it('a wrong password: 1045, never retried, and the password appears nowhere in the classification', async () => {
    const password = 'Wr0ng-Pa55word-S3CRET';
    const denied = await connectFailure({ ...server.connection, password });
    expect(shapeOf(denied)).toEqual({
      code: 'ER_ACCESS_DENIED_ERROR',
      errno: 1045,
      fatal: undefined,
      syscall: undefined,
    });
    const classification = classify(denied);
    expect(classification).toMatchObject({ kind: 'auth-failed', sent: 'no', retry: 'never' });
    expect(JSON.stringify(classification)).not.toContain(password);
    expect(JSON.stringify(classification)).not.toContain(server.connection.user);
  });

  it('a refused port: ECONNREFUSED on connect, never sent, safe', async () => {
    const port = await closedPort();
    const refused = await connectFailure({ ...server.connection, port });
    expect(shapeOf(refused)).toEqual({ code: 'ECONNREFUSED', errno: -111, fatal: true, syscall: 'connect' });
    expect(classify(refused)).toMatchObject({
      kind: 'connect-failed',
      sent: 'no',
      connection: 'dispose',
      retry: 'safe',
    });
  });

  it('a server that accepts but never greets: mysql2 connect timeout (ETIMEDOUT, connect)', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const timedOut = await connectFailure({ ...server.connection, port }, { connectTimeout: 300 });
      expect(shapeOf(timedOut)).toEqual({
        code: 'ETIMEDOUT',
        errno: undefined,
        fatal: true,
        syscall: 'connect',
      });
      expect(timedOut.errorno).toBe('ETIMEDOUT');
      expect(timedOut.message).toBe('connect ETIMEDOUT');
      expect(classify(timedOut)).toMatchObject({ kind: 'connect-failed', sent: 'no', retry: 'safe' });
    } finally {
      silent.close();
    }
  });

  it('a command on a closed connection: no code, never sent', async () => {
    const ended = await connect(server.connection);
    await new Promise<void>((resolve) => ended.end(() => resolve()));
    const afterEnd = await failure(query(ended, 'SELECT 1'));
    const destroyed = await connect(server.connection);
    destroyed.destroy();
    const afterDestroy = await failure(query(destroyed, 'SELECT 1'));
    for (const closed of [afterEnd, afterDestroy]) {
      expect(closed.message).toBe("Can't add new command when connection is in closed state");
      expect(shapeOf(closed)).toEqual({ code: undefined, errno: undefined, fatal: true, syscall: undefined });
      expect(classify(closed)).toMatchObject({ kind: 'connection-lost', sent: 'no', retry: 'safe' });
    }
  });

  describe('through the fault proxy', () => {
    let proxy: FaultProxy;

    beforeAll(async () => {
      proxy = await startFaultProxy(server.port);
    });

    afterAll(async () => {
      await proxy?.close();
    });

    it('a reset mid-query: ECONNRESET read', async () => {
      const connection = await connect(proxy.route(server.connection));
      const running = failure(query(connection, 'SELECT SLEEP(5)'));
      await delay(200);
      proxy.resetAll();
      const reset = await running;
      expect(shapeOf(reset)).toEqual({ code: 'ECONNRESET', errno: -104, fatal: true, syscall: 'read' });
      expect(classify(reset)).toMatchObject({
        kind: 'connection-lost',
        sent: 'maybe',
        retry: 'if-idempotent',
      });
    });

    it('a reset while idle: an ECONNRESET event, then the closed-state error', async () => {
      const connection = await connect(proxy.route(server.connection));
      const event = nextErrorEvent(connection);
      proxy.resetAll();
      expect(shapeOf(await event)).toEqual({ code: 'ECONNRESET', errno: -104, fatal: true, syscall: 'read' });
      expect(classify(await failure(query(connection, 'SELECT 1')))).toMatchObject({
        sent: 'no',
        retry: 'safe',
      });
    });

    it('a blackholed connection with a query timeout: PROTOCOL_SEQUENCE_TIMEOUT, not fatal, yet unusable', async () => {
      const connection = await connect(proxy.route(server.connection));
      proxy.blackholeExisting();
      const timedOut = await failure(
        new Promise((resolve, reject) => {
          connection.query({ sql: 'SELECT 1', timeout: 300 }, (error, rows) =>
            error ? reject(error) : resolve(rows),
          );
        }),
      );
      expect(shapeOf(timedOut)).toEqual({
        code: 'PROTOCOL_SEQUENCE_TIMEOUT',
        errno: undefined,
        fatal: undefined,
        syscall: 'query',
      });
      expect(timedOut.errorno).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
      expect(classify(timedOut)).toMatchObject({
        kind: 'statement-timeout',
        sent: 'maybe',
        connection: 'dispose',
        retry: 'never',
      });
      // Why 'dispose': the timed-out command still owns the connection, so the next one (and its own
      // timeout) never even starts.
      let answered = false;
      connection.query({ sql: 'SELECT 2', timeout: 300 }, () => {
        answered = true;
      });
      await delay(1_000);
      expect(answered).toBe(false);
    });
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
