import { EventEmitter } from 'node:events';
import { ConnectionLostError, PacketTooLargeError, TransactionLostError } from '@goneaway/core';
import { describe, expect, it, vi } from 'vitest';
import { ConnectionLease, type LeasedConnection } from './connection-lease.js';

type Answer = { error: unknown } | { rows: unknown };

/** A connection that answers each query from a script; what the wrapped mysql2 connection looks like. */
function fakeConnection(answers: Answer[]) {
  const emitter = new EventEmitter();
  const calls: unknown[][] = [];
  const answer = (...args: unknown[]) => {
    calls.push(args);
    const callback = args.at(-1);
    if (typeof callback !== 'function') return { stream: 'command' };
    const next = answers.shift() ?? { rows: [] };
    process.nextTick(() => ('error' in next ? callback(next.error) : callback(null, next.rows, [])));
    return { command: 'query' };
  };
  const connection = Object.assign(emitter, {
    calls,
    query: vi.fn(answer),
    execute: vi.fn(answer),
    release: vi.fn(),
    destroy: vi.fn(),
    threadId: 12,
  });
  return connection as typeof connection & LeasedConnection;
}

const socketLost = () => ({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true, message: 'Connection lost' });

const run = (lease: ConnectionLease, sql: string, values?: unknown[]) => lease.promise().query(sql, values);

describe('ConnectionLease', () => {
  it("answers TypeORM 1.x's promise().query/execute on the connection it holds", async () => {
    const connection = fakeConnection([{ rows: [{ one: 1 }] }, { rows: [{ two: 2 }] }]);
    const lease = new ConnectionLease(connection);
    expect((await run(lease, 'select ? as one', [1]))[0]).toEqual([{ one: 1 }]);
    expect((await lease.promise().execute('select ? as two', [2]))[0]).toEqual([{ two: 2 }]);
    expect(connection.query).toHaveBeenCalledTimes(1);
    expect(connection.execute).toHaveBeenCalledTimes(1);
    expect(lease.threadId).toBe(12);
  });

  it("passes the wrapped connection's typed errors through (it replaces a lost session itself, when it may)", async () => {
    for (const error of [
      new ConnectionLostError({ cause: socketLost(), statement: 'insert' }),
      new TransactionLostError({ cause: socketLost(), statement: 'insert' }),
      Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', errno: 1062 }),
    ]) {
      const lease = new ConnectionLease(fakeConnection([{ error }]));
      expect(await run(lease, 'select 1').catch((e: unknown) => e)).toBe(error);
    }
  });

  it('rejects a statement mysql2 refuses synchronously (a bad bind value) instead of throwing', async () => {
    const connection = fakeConnection([]);
    connection.query.mockImplementationOnce(() => {
      throw new TypeError('Bind parameters must not contain undefined.');
    });
    const lease = new ConnectionLease(connection);
    await expect(run(lease, 'select ?', [undefined])).rejects.toThrow('Bind parameters');
  });

  it('gives goneaway errors an own, enumerable parameters of undefined (TypeORM copies it over the bound values)', async () => {
    const packet = new PacketTooLargeError({ packetBytes: 2, maxAllowedPacket: 1 });
    const duplicate = Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' });
    for (const error of [packet, duplicate]) {
      const lease = new ConnectionLease(fakeConnection([{ error }]));
      await run(lease, 'insert into t values (?)', ['value']).catch(() => undefined);
    }
    const { name: _, ...copied } = packet as unknown as Record<string, unknown>;
    expect(Object.hasOwn(copied, 'parameters')).toBe(true);
    expect(copied.parameters).toBeUndefined();
    expect(Object.hasOwn(duplicate, 'parameters')).toBe(false);
  });

  it("answers TypeORM 0.3's callback query and leaves stream mode to mysql2", async () => {
    const connection = fakeConnection([{ rows: [{ one: 1 }] }]);
    const lease = new ConnectionLease(connection);
    const rows = await new Promise((resolve, reject) =>
      lease.query({ sql: 'select 1 as one', timeout: 100 }, [], (error: unknown, result: unknown) =>
        error ? reject(error) : resolve(result),
      ),
    );
    expect(rows).toEqual([{ one: 1 }]);
    expect(connection.calls[0]?.[0]).toEqual({ sql: 'select 1 as one', timeout: 100 });
    expect(lease.query('select 2', [])).toEqual({ stream: 'command' });
  });

  it('releases (or destroys) the connection it holds once, and refuses statements after that', async () => {
    const connection = fakeConnection([]);
    const lease = new ConnectionLease(connection);
    lease.release();
    lease.release();
    expect(connection.release).toHaveBeenCalledTimes(1);
    expect(lease.connection).toBeUndefined();
    await expect(run(lease, 'select 1')).rejects.toThrow('The connection was released.');
    const other = fakeConnection([]);
    new ConnectionLease(other).destroy();
    expect(other.destroy).toHaveBeenCalledTimes(1);
  });

  it("delegates TypeORM's error listener check to the connection it holds", () => {
    const connection = fakeConnection([]);
    const lease = new ConnectionLease(connection);
    const listener = () => undefined;
    lease.on('error', listener);
    expect(lease.listeners('error')).toEqual([listener]);
    lease.removeListener('error', listener);
    expect(connection.listeners('error')).toEqual([]);
  });
});
