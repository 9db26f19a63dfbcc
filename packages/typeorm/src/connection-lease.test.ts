import { EventEmitter } from 'node:events';
import {
  ConnectionLostError,
  isConnectionLost,
  PacketTooLargeError,
  parsePolicy,
  TransactionLostError,
} from '@goneaway/core';
import { describe, expect, it, vi } from 'vitest';
import { ConnectionLease, type LeasedConnection } from './connection-lease.js';
import { TypeormPoolState } from './typeorm-pool-state.js';

type Answer = { error: unknown } | { rows: unknown };

/** A connection that answers each query from a script; what the wrapped mysql2 connection looks like. */
function fakeConnection(answers: Answer[]) {
  const emitter = new EventEmitter();
  const calls: unknown[][] = [];
  const connection = Object.assign(emitter, {
    calls,
    query: vi.fn((...args: unknown[]) => {
      calls.push(args);
      const callback = args.at(-1);
      if (typeof callback !== 'function') return { stream: 'command' };
      const answer = answers.shift() ?? { rows: [] };
      process.nextTick(() => ('error' in answer ? callback(answer.error) : callback(null, answer.rows, [])));
      return undefined;
    }),
    execute: vi.fn(),
    release: vi.fn(),
    destroy: vi.fn(),
  });
  return connection as typeof connection & LeasedConnection;
}

const socketLost = () => ({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true, message: 'Connection lost' });
const lostWhile = (sql: string) => new ConnectionLostError({ cause: socketLost(), statement: sql });

function leaseOver(first: LeasedConnection, ...fresh: LeasedConnection[]) {
  const state = new TypeormPoolState(parsePolicy({ backoff: { initialDelayMs: 1, maxDelayMs: 1 } }));
  const acquire = vi.fn(async () => {
    const next = fresh.shift();
    if (next === undefined) throw new Error('no connection left');
    return next;
  });
  return { lease: new ConnectionLease(first, state, acquire), acquire, state };
}

const run = (lease: ConnectionLease, sql: string, values?: unknown[]) => lease.promise().query(sql, values);

describe('ConnectionLease', () => {
  it('runs a read whose connection died again on a fresh connection, and keeps that one', async () => {
    const dead = fakeConnection([{ error: lostWhile('select 1') }]);
    const fresh = fakeConnection([{ rows: [{ one: 1 }] }, { rows: [{ two: 2 }] }]);
    const { lease, acquire, state } = leaseOver(dead, fresh);
    expect((await run(lease, 'select 1 as one'))[0]).toEqual([{ one: 1 }]);
    expect(dead.destroy).toHaveBeenCalledTimes(1);
    expect(acquire).toHaveBeenCalledTimes(1);
    expect(lease.connection).toBe(fresh);
    expect(state.hub.stats().events.retry).toBe(1);
    // Later statements of the query runner run on the fresh connection.
    expect((await run(lease, 'select 2 as two'))[0]).toEqual([{ two: 2 }]);
    lease.release();
    expect(fresh.release).toHaveBeenCalledTimes(1);
  });

  it('statements that lost the same connection at once share one replacement (no connection leaks)', async () => {
    const dead = fakeConnection([{ error: lostWhile('select 1') }, { error: lostWhile('select 2') }]);
    const fresh = fakeConnection([{ rows: [{ one: 1 }] }, { rows: [{ two: 2 }] }]);
    const spare = fakeConnection([]);
    const { lease, acquire } = leaseOver(dead, fresh, spare);
    const [one, two] = await Promise.all([run(lease, 'select 1 as one'), run(lease, 'select 2 as two')]);
    expect([one[0], two[0]]).toEqual([[{ one: 1 }], [{ two: 2 }]]);
    expect(acquire).toHaveBeenCalledTimes(1);
    expect(dead.destroy).toHaveBeenCalledTimes(1);
    expect(lease.connection).toBe(fresh);
  });

  it('gives a replacement that arrives after release() straight back to the pool', async () => {
    const dead = fakeConnection([{ error: lostWhile('select 1') }]);
    const fresh = fakeConnection([]);
    let handOver: (connection: LeasedConnection) => void = () => undefined;
    const acquire = vi.fn(() => new Promise<LeasedConnection>((resolve) => (handOver = resolve)));
    const lease = new ConnectionLease(dead, new TypeormPoolState(parsePolicy()), acquire);
    const read = run(lease, 'select 1').catch((e: unknown) => e);
    await vi.waitFor(() => expect(acquire).toHaveBeenCalled());
    lease.release();
    handOver(fresh);
    expect(await read).toBeInstanceOf(Error);
    expect(fresh.release).toHaveBeenCalledTimes(1);
    expect(lease.connection).toBeUndefined();
  });

  it('does not run a write that may have reached the server again: the typed error comes back', async () => {
    const dead = fakeConnection([{ error: lostWhile('insert into t values (1)') }]);
    const { lease, acquire } = leaseOver(dead, fakeConnection([]));
    const error = await run(lease, 'insert into t values (?)', [1]).catch((e: unknown) => e);
    expect(isConnectionLost(error)).toBe(true);
    expect(acquire).not.toHaveBeenCalled();
  });

  it('runs a write again when it never reached the server (the connection was already closed)', async () => {
    const closed = { message: "Can't add new command when connection is in closed state", fatal: false };
    const dead = fakeConnection([{ error: new ConnectionLostError({ cause: closed, statement: 'insert' }) }]);
    const fresh = fakeConnection([{ rows: { affectedRows: 1 } }]);
    const { lease } = leaseOver(dead, fresh);
    expect((await run(lease, 'insert into t values (?)', [1]))[0]).toEqual({ affectedRows: 1 });
  });

  it('never runs anything again inside a transaction, and passes other errors through', async () => {
    for (const error of [
      new TransactionLostError({ cause: socketLost(), statement: 'insert' }),
      new PacketTooLargeError({ packetBytes: 2, maxAllowedPacket: 1 }),
      Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', errno: 1062 }),
    ]) {
      const { lease, acquire } = leaseOver(fakeConnection([{ error }]), fakeConnection([]));
      expect(await run(lease, 'select 1').catch((e: unknown) => e)).toBe(error);
      expect(acquire).not.toHaveBeenCalled();
    }
  });

  it('gives goneaway errors an own, enumerable parameters of undefined (TypeORM copies it over the bound values)', async () => {
    const packet = new PacketTooLargeError({ packetBytes: 2, maxAllowedPacket: 1 });
    const duplicate = Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' });
    for (const error of [packet, duplicate]) {
      const { lease } = leaseOver(fakeConnection([{ error }]));
      await run(lease, 'insert into t values (?)', ['value']).catch(() => undefined);
    }
    const { name: _, ...copied } = packet as unknown as Record<string, unknown>;
    expect(Object.hasOwn(copied, 'parameters')).toBe(true);
    expect(copied.parameters).toBeUndefined();
    expect(Object.hasOwn(duplicate, 'parameters')).toBe(false);
  });

  it("answers TypeORM 0.3's callback query and leaves stream mode to mysql2", async () => {
    const connection = fakeConnection([{ rows: [{ one: 1 }] }]);
    const { lease } = leaseOver(connection);
    const rows = await new Promise((resolve, reject) =>
      lease.query({ sql: 'select 1 as one', timeout: 100 }, [], (error: unknown, result: unknown) =>
        error ? reject(error) : resolve(result),
      ),
    );
    expect(rows).toEqual([{ one: 1 }]);
    expect(connection.calls[0]?.[0]).toEqual({ sql: 'select 1 as one', timeout: 100 });
    expect(lease.query('select 2', [])).toEqual({ stream: 'command' });
  });

  it("delegates TypeORM's error listener check to the connection it holds", () => {
    const connection = fakeConnection([]);
    const { lease } = leaseOver(connection);
    const listener = () => undefined;
    lease.on('error', listener);
    expect(lease.listeners('error')).toEqual([listener]);
    lease.removeListener('error', listener);
    expect(connection.listeners('error')).toEqual([]);
  });
});
