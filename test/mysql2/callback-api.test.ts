import { stats, wrapMysql2 } from '@goneaway/mysql2';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeWithOwnServer, killWhenRunning, sleep } from './support.js';

type Callback = (error: unknown, rows?: unknown) => void;

/**
 * Calls `start(callback)` and resolves with the first answer; `calls()` counts every answer, so a
 * test can wait on and check that the callback fired exactly once.
 */
function answerOf(start: (callback: Callback) => unknown) {
  let calls = 0;
  const first = new Promise<{ error: unknown; rows: unknown }>((resolve) => {
    start((error, rows) => {
      calls++;
      resolve({ error, rows });
    });
  });
  return { first, calls: () => calls };
}

async function rowsOf(start: (callback: Callback) => unknown): Promise<unknown> {
  const answer = answerOf(start);
  const { error, rows } = await answer.first;
  if (error) throw error;
  // Later answers would arrive on a later turn of the event loop.
  await sleep(20);
  expect(answer.calls()).toBe(1);
  return rows;
}

// The callback API (require('mysql2'): Sequelize's dialect, older code) through every entry point
// wrapMysql2 wraps, and the promise API beside it: each answers once, and nothing crashes the process.
describeWithOwnServer('mysql2 callback and promise APIs, every wrapped entry point', () => {
  let server: MariaDBServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    server = await startMariaDB();
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    // A rejection nobody handles surfaces a turn or two later.
    await sleep(50);
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled.map(String)).toEqual([]);
  });

  /** Every callback call a lone connection takes, from the first statement on (before it is set up). */
  async function exerciseConnection(connection: mysql2.Connection): Promise<unknown[]> {
    return [
      await rowsOf((cb) => connection.query('select 1 as one', cb)),
      await rowsOf((cb) => connection.query('select ? as two', [2], cb)),
      await rowsOf((cb) => connection.query({ sql: 'select ? as three', values: [3] }, cb)),
      await rowsOf((cb) => connection.execute('select ? as four', [4], cb)),
      ((await connection.promise().query('select 5 as five')) as unknown[])[0],
    ];
  }

  const expected = [[{ one: 1 }], [{ two: 2 }], [{ three: 3 }], [{ four: 4 }], [{ five: 5 }]];

  it('goneaway: createConnection, a query sent at once with a callback (before the limits are read), then query/execute/promise()', async () => {
    const connection = wrapMysql2(mysql2).createConnection(server.connection);
    try {
      expect(await exerciseConnection(connection)).toEqual(expected);
      expect(stats(connection).events['limits-discovered']).toBe(1);
    } finally {
      await new Promise((resolve) => connection.end(resolve));
    }
  });

  it('bare mysql2 (control): the same calls on createConnection', async () => {
    const connection = mysql2.createConnection(server.connection);
    try {
      expect(await exerciseConnection(connection)).toEqual(expected);
    } finally {
      await new Promise((resolve) => connection.end(resolve));
    }
  });

  it('goneaway: createPool with callbacks: query, execute, getConnection (query, execute, release), and pool.promise()', async () => {
    const pool = wrapMysql2(mysql2).createPool({ ...server.connection, connectionLimit: 2 });
    try {
      expect(await rowsOf((cb) => pool.query('select 1 as one', cb))).toEqual([{ one: 1 }]);
      expect(await rowsOf((cb) => pool.query('select ? as two', [2], cb))).toEqual([{ two: 2 }]);
      expect(await rowsOf((cb) => pool.execute('select ? as three', [3], cb))).toEqual([{ three: 3 }]);
      const held = await new Promise<mysql2.PoolConnection>((resolve, reject) =>
        pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
      );
      expect(await rowsOf((cb) => held.query('select 4 as four', cb))).toEqual([{ four: 4 }]);
      expect(await rowsOf((cb) => held.execute('select ? as five', [5], cb))).toEqual([{ five: 5 }]);
      held.release();
      const promised = pool.promise();
      expect((await promised.query('select 6 as six'))[0]).toEqual([{ six: 6 }]);
      expect((await promised.execute('select ? as seven', [7]))[0]).toEqual([{ seven: 7 }]);
      const promisedHeld = await promised.getConnection();
      expect((await promisedHeld.query('select 8 as eight'))[0]).toEqual([{ eight: 8 }]);
      promisedHeld.release();
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });

  it('goneaway: the promise API (mysql2/promise): createConnection and createPool', async () => {
    const wrapped = wrapMysql2(mysql2Promise);
    const connection = await wrapped.createConnection(server.connection);
    try {
      expect((await connection.query('select 1 as one'))[0]).toEqual([{ one: 1 }]);
      expect((await connection.execute('select ? as two', [2]))[0]).toEqual([{ two: 2 }]);
    } finally {
      await connection.end();
    }
    const pool = wrapped.createPool({ ...server.connection, connectionLimit: 2 });
    try {
      expect((await pool.query('select 3 as three'))[0]).toEqual([{ three: 3 }]);
      expect((await pool.execute('select ? as four', [4]))[0]).toEqual([{ four: 4 }]);
      const held = await pool.getConnection();
      expect((await held.query('select 5 as five'))[0]).toEqual([{ five: 5 }]);
      held.release();
      // A callback connection under a promise pool answers callbacks too.
      // mysql2's typings call it a promise Connection; at run time it is the callback PoolConnection.
      const core = (await pool.getConnection()).connection as unknown as mysql2.PoolConnection;
      expect(await rowsOf((cb) => core.query('select 6 as six', cb))).toEqual([{ six: 6 }]);
      core.release();
    } finally {
      await pool.end();
    }
  });
});

// mysql2 answers a command whose connection died, then answers it again when its `timeout` timer
// (never cleared on that path) fires: with statementTimeoutMs, a killed statement's callback must
// still be called once, even after it was run again and answered with its rows.
describeWithOwnServer('mysql2: statementTimeoutMs and a KILL: one answer per callback', () => {
  let server: MariaDBServer;
  const TIMEOUT_MS = 1_500;

  beforeAll(async () => {
    server = await startMariaDB();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  /** Waits until the killed statement's timer would have fired, with room to spare. */
  const pastTheTimeout = (startedAt: number) =>
    sleep(Math.max(0, startedAt + TIMEOUT_MS + 1_000 - Date.now()));

  it('goneaway: a pooled read killed mid-flight is run again: its callback fires once, with the rows', async () => {
    const pool = wrapMysql2(mysql2, { statementTimeoutMs: TIMEOUT_MS }).createPool({
      ...server.connection,
      connectionLimit: 2,
    });
    try {
      // A warm pool: the statement takes the fast path (mysql2's own acquire, then the retry engine on failure).
      await Promise.all([1, 2].map(() => pool.promise().query('select sleep(0.05)')));
      const startedAt = Date.now();
      const read = answerOf((cb) => pool.query('select sleep(1) as s, 42 as answer', cb));
      await killWhenRunning(server, 'select sleep(1)%');
      expect(await read.first).toEqual({ error: null, rows: [{ s: 0, answer: 42 }] });
      await pastTheTimeout(startedAt);
      expect(read.calls()).toBe(1);
      expect(stats(pool).events.retry).toBe(1);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });

  it('goneaway: execute() on the pool, and a statement on a held connection, answer once too', async () => {
    const pool = wrapMysql2(mysql2, { statementTimeoutMs: TIMEOUT_MS }).createPool({
      ...server.connection,
      connectionLimit: 2,
    });
    try {
      await Promise.all([1, 2].map(() => pool.promise().query('select sleep(0.05)')));
      const startedAt = Date.now();
      const executed = answerOf((cb) => pool.execute('select sleep(1) as s, ? as answer', [7], cb));
      await killWhenRunning(server, 'select sleep(1)%');
      expect(await executed.first).toEqual({ error: null, rows: [{ s: 0, answer: 7 }] });
      const held = await new Promise<mysql2.PoolConnection>((resolve, reject) =>
        pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
      );
      const heldStartedAt = Date.now();
      const write = answerOf((cb) => held.query('do sleep(1)', cb));
      await killWhenRunning(server, 'do sleep(1)%');
      expect((await write.first).error).toBeInstanceOf(Error);
      held.release();
      await pastTheTimeout(Math.max(startedAt, heldStartedAt));
      expect(executed.calls()).toBe(1);
      expect(write.calls()).toBe(1);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });

  it('bare mysql2 pool (control): the same KILL answers the callback twice, the second time PROTOCOL_SEQUENCE_TIMEOUT', async () => {
    const pool = mysql2.createPool({ ...server.connection, connectionLimit: 2 });
    try {
      const startedAt = Date.now();
      const codes: unknown[] = [];
      const read = answerOf((cb) =>
        pool.query({ sql: 'select sleep(1) as s', timeout: TIMEOUT_MS }, (error: unknown, rows: unknown) => {
          codes.push((error as { code?: unknown } | null)?.code);
          cb(error, rows);
        }),
      );
      await killWhenRunning(server, 'select sleep(1)%');
      expect((await read.first).error).toBeInstanceOf(Error);
      await pastTheTimeout(startedAt);
      expect(read.calls()).toBe(2);
      expect(codes.at(-1)).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });
});
