import {
  isConnectionLost,
  isPacketTooLarge,
  isTransactionLost,
  stats,
  wrapMysql2,
  wrapMysql2Connections,
} from '@goneaway/mysql2';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, failureOf, killWhenRunning } from './support.js';

// A lone connection (createConnection): packet guard and typed errors; nothing is run again.
describeWithOwnServer('mysql2 createConnection', () => {
  let server: MariaDBServer;
  const MAX = 1024 * 1024;
  const blob = Buffer.alloc(2 * 1024 * 1024, 0xab);

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { max_allowed_packet: MAX } });
    await server.query(
      'create table goneaway.c (id int auto_increment primary key, k varchar(64), body longblob)',
    );
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const idOf = async (connection: mysql2Promise.Connection) =>
    Number(((await connection.query('select connection_id() as id'))[0] as Array<{ id: number }>)[0]?.id);

  it('goneaway (promise): a 2 MB BLOB is refused before sending and the connection stays usable', async () => {
    const connection = await wrapMysql2(mysql2Promise).createConnection(server.connection);
    try {
      const before = await idOf(connection);
      const error = await failureOf(connection.query('insert into goneaway.c (body) values (?)', [blob]));
      expect(isPacketTooLarge(error)).toBe(true);
      expect(await idOf(connection)).toBe(before);
      expect(stats(connection).events['packet-rejected']).toBe(1);
    } finally {
      await connection.end();
    }
  });

  it('goneaway (callback): a BLOB sent at once, before the limits are known, is still refused', async () => {
    const connection = wrapMysql2(mysql2).createConnection(server.connection);
    try {
      const error = await new Promise((resolve) =>
        connection.query('insert into goneaway.c (body) values (?)', [blob], (e) => resolve(e)),
      );
      expect(isPacketTooLarge(error)).toBe(true);
      const rows = await new Promise((resolve, reject) =>
        connection.query('select 1 as one', (e, r) => (e ? reject(e) : resolve(r))),
      );
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await new Promise((resolve) => connection.end(resolve));
    }
  });

  it('goneaway: a write killed mid-flight on a lone connection is GONEAWAY_CONNECTION_LOST', async () => {
    const connection = await wrapMysql2(mysql2Promise).createConnection(server.connection);
    try {
      const write = failureOf(
        connection.query('insert into goneaway.c (k) values (concat(?, sleep(1)))', ['c1']),
      );
      await killWhenRunning(server, 'insert into goneaway.c%');
      const error = await write;
      expect(isConnectionLost(error)).toBe(true);
      expect(codeOf(error)).toBe('GONEAWAY_CONNECTION_LOST');
    } finally {
      connection.destroy();
    }
  });

  it("goneaway (callback): a call goneaway answers itself returns a command object to chain on, as mysql2's does (Sequelize calls setMaxListeners on it)", async () => {
    const connection = wrapMysql2(mysql2).createConnection(server.connection);
    try {
      const answered = await new Promise((resolve) => {
        connection
          .query('insert into goneaway.c (body) values (?)', [blob], (e) => resolve(e))
          .setMaxListeners(100);
      });
      expect(isPacketTooLarge(answered)).toBe(true);
    } finally {
      await new Promise((resolve) => connection.end(resolve));
    }
  });

  it("goneaway (callback): a failed handshake reaches the connection's 'error' event, and a call queued behind it gets the same error (Sequelize waits for the event)", async () => {
    const connection = wrapMysql2(mysql2).createConnection({ ...server.connection, password: 'not-it-x7' });
    const event = new Promise<unknown>((resolve) => connection.once('error', resolve));
    const queued = new Promise<unknown>((resolve) => connection.query('select 1', (e) => resolve(e)));
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      event,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('no error event'), 5_000);
      }),
    ]);
    clearTimeout(timer);
    expect((outcome as { errno?: number }).errno).toBe(1045);
    expect(((await queued) as { errno?: number }).errno).toBe(1045);
    connection.destroy();
  });

  it('wrapMysql2Connections: lone connections share one runtime, idle is measured from the last answer, SET TRANSACTION starts a transaction', async () => {
    const { mysql2: wrapped, runtime } = wrapMysql2Connections(mysql2);
    const [a, b] = [wrapped.createConnection(server.connection), wrapped.createConnection(server.connection)];
    const query = (connection: mysql2.Connection, sql: string) =>
      new Promise<unknown>((resolve, reject) =>
        connection.query(sql, (e, r) => (e ? reject(e) : resolve(r))),
      );
    try {
      await Promise.all([query(a, 'select 1'), query(b, 'select 1'), runtime.adopted(a), runtime.adopted(b)]);
      // One runtime: its limits reported once, both connections' statistics in one place.
      expect(stats(a)).toEqual(stats(b));
      expect(stats(a).events['limits-discovered']).toBe(1);
      const state = runtime.pipeline.stateOf(a as never);
      expect(state).toBeDefined();
      const answeredAt = state?.lastUsedAt ?? 0;
      await query(a, 'select 2');
      expect(state?.lastUsedAt).toBeGreaterThan(answeredAt);
      // A session lost between SET TRANSACTION and START TRANSACTION loses the transaction it shaped.
      await query(a, 'set transaction isolation level serializable');
      const id = Number(((await query(a, 'select connection_id() as id')) as Array<{ id: number }>)[0]?.id);
      await server.query(`KILL ${id}`);
      const lost = await failureOf(query(a, 'start transaction'));
      expect(isTransactionLost(lost)).toBe(true);
      expect(runtime.pipeline.isDead(a as never)).toBe(true);
    } finally {
      a.destroy();
      await new Promise((resolve) => b.end(resolve));
    }
  });

  it('bare mysql2 connection (control): the same BLOB is sent and the connection is lost', async () => {
    const connection = await mysql2Promise.createConnection(server.connection);
    try {
      const error = await failureOf(connection.query('insert into goneaway.c (body) values (?)', [blob]));
      expect(error).toBeInstanceOf(Error);
      expect(String(codeOf(error))).not.toMatch(/^GONEAWAY_/);
      expect(await failureOf(idOf(connection))).toBeInstanceOf(Error);
    } finally {
      connection.destroy();
    }
  });
});
