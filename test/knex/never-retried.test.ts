import { isConnectionLost, isTransactionLost, stats } from '@goneaway/knex';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, killWhenRunning, open, sleep } from './support.js';

// Behaviour 14 of the knex plugin: streams, pinned connections and transactions are never retried.
describeWithOwnServer('never retried: streams, .connection(), transactions', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('a stream whose connection is killed is not run again', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 2 } });
    const stream = db.raw('select sleep(1) as s union all select 2').stream();
    stream.on('error', () => {});
    stream.resume();
    try {
      await killWhenRunning(server, 'select sleep(1)%');
      // mysql2 does not end a streaming query whose socket died (the command has no callback to
      // notify), so the proof is on the server: the statement never shows up again.
      await sleep(1_500);
      const again = await server.query(
        "select id from information_schema.processlist where info like 'select sleep(1)%'",
      );
      expect(again).toEqual([]);
      expect(stats(db).events.retry).toBe(0);
    } finally {
      stream.destroy();
      await db.destroy();
    }
  });

  it('a read pinned with .connection() is not run again on another connection', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 2 } });
    const client = db.client as {
      acquireConnection(): Promise<unknown>;
      releaseConnection(c: unknown): Promise<void>;
    };
    const pinned = await client.acquireConnection();
    try {
      const read = db
        .raw('select sleep(1) as s')
        .connection(pinned as never)
        .then(
          () => 'resolved',
          (e: unknown) => e,
        );
      await killWhenRunning(server, 'select sleep(1)%');
      expect(await read).toBeInstanceOf(Error);
      expect(stats(db).events.retry).toBe(0);
    } finally {
      await client.releaseConnection(pinned);
      await db.destroy();
    }
  });

  it('a read inside a transaction is not run again: the transaction is lost', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 2 } });
    try {
      const outcome = await db
        .transaction(async (trx) => {
          const read = trx.raw('select sleep(1) as s').then(
            () => 'resolved',
            (e: unknown) => e,
          );
          await killWhenRunning(server, 'select sleep(1)%');
          const error = await read;
          expect(isTransactionLost(error)).toBe(true);
          throw error;
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isTransactionLost(outcome)).toBe(true);
      expect(isConnectionLost(outcome)).toBe(false);
      expect(stats(db).events.retry).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});
