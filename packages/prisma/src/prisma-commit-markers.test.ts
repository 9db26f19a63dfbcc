import { parsePolicy } from '@goneaway/core';
import { describe, expect, it } from 'vitest';
import { PrismaGoneawayInstance } from './pool-instance.js';
import { instanceOfClient, transactionMarkerConnection } from './prisma-commit-markers.js';
import { instances } from './with-goneaway.js';

describe('instanceOfClient', () => {
  it("finds the withGoneaway() instance from the factory, or from a PrismaClient's _engineConfig.adapter", () => {
    const instance = new PrismaGoneawayInstance(parsePolicy(undefined));
    const factory = {};
    instances.set(factory, instance);
    expect(instanceOfClient(factory)).toBe(instance);
    expect(instanceOfClient({ _engineConfig: { adapter: factory } })).toBe(instance);
    expect(instanceOfClient({ _engineConfig: { adapter: {} } })).toBeUndefined();
    expect(instanceOfClient({})).toBeUndefined();
    expect(instanceOfClient(undefined)).toBeUndefined();
    const throwing = Object.defineProperty({}, '_engineConfig', {
      get() {
        throw new Error('proxy');
      },
    });
    expect(instanceOfClient(throwing)).toBeUndefined();
  });
});

describe('transactionMarkerConnection', () => {
  it("runs the insert through tx.$executeRawUnsafe and reads its insert id and session from the held connection's reply", async () => {
    const instance = new PrismaGoneawayInstance(parsePolicy(undefined));
    const ran: string[] = [];
    const tx = {
      $executeRawUnsafe: async (sql: string) => {
        ran.push(sql);
        // What the wrapped held connection does when the adapter runs the statement.
        instance.replies.deliver(sql, { affectedRows: 1, insertId: 31n, warningStatus: 0 }, 31);
        return 1;
      },
      $queryRawUnsafe: async (sql: string) => {
        ran.push(sql);
        return [{ connection_id: 31n }];
      },
    };
    const connection = transactionMarkerConnection(tx, instance);
    expect(await connection.query("INSERT INTO `m` (id, connection_id) VALUES (X'00', 1)")).toEqual({
      insertId: 31n,
    });
    expect(connection.connectionId).toBe(31);
    expect(instance.replies.size).toBe(0);
    expect(await connection.query('SELECT CONNECTION_ID() AS connection_id')).toEqual({
      rows: [{ connection_id: 31n }],
    });
    expect(ran).toHaveLength(2);
  });

  it('stops waiting when the insert fails', async () => {
    const instance = new PrismaGoneawayInstance(parsePolicy(undefined));
    const denied = Object.assign(new Error('denied'), { code: 'P2010' });
    const tx = {
      $executeRawUnsafe: async () => {
        throw denied;
      },
      $queryRawUnsafe: async () => [],
    };
    await expect(transactionMarkerConnection(tx, instance).query('INSERT x')).rejects.toBe(denied);
    expect(instance.replies.size).toBe(0);
  });
});
