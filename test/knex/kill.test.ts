import {
  isCommitOutcomeUnknown,
  isConnectionLost,
  isTransactionLost,
  stats,
  TransactionLostError,
} from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, killWhenRunning, open, sleep } from './support.js';

// Behaviours 3-6 of the knex plugin: KILL of idle connections, during a read, during a write, inside a transaction.
describeWithOwnServer('KILL', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
    await server.query(
      'create table goneaway.t (id int auto_increment primary key, k varchar(64) not null, v int)',
    );
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(async () => {
    await server.query('truncate table goneaway.t');
  });

  const rows = async (k: string) =>
    Number(
      (await server.query<{ n: number }>('select count(*) as n from goneaway.t where k = ?', [k]))[0]?.n,
    );

  it('goneaway: after a KILL of idle connections the next queries succeed, silently', async () => {
    const { db, lines, events } = open('goneaway', {
      connection: server.connection,
      pool: { min: 3, max: 3 },
    });
    try {
      await Promise.all([db.raw('select 1'), db.raw('select 2'), db.raw('select 3')]);
      expect(await server.killConnections()).toBe(3);
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => db.raw('select ? as n', [n])));
      expect(results.map(([r]) => r[0].n)).toEqual([1, 2, 3, 4, 5]);
      expect(lines).toEqual([]);
      expect(events.filter((e) => e.type === 'evicted').length).toBe(3);
    } finally {
      await db.destroy();
    }
  });

  it('bare knex (control): the same KILL prints a "Connection Error" per connection', async () => {
    const { db, lines } = open('bare', { connection: server.connection, pool: { min: 3, max: 3 } });
    try {
      await Promise.all([db.raw('select 1'), db.raw('select 2'), db.raw('select 3')]);
      await server.killConnections();
      await sleep(50);
      await Promise.allSettled([1, 2, 3].map((n) => db.raw('select ? as n', [n])));
      expect(lines.filter((l) => l.includes('Connection Error')).length).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
  });

  it('goneaway: one dead connection makes the pool ping the others before handing them out', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 3, max: 3 } });
    try {
      await Promise.all([db.raw('select 1'), db.raw('select 2'), db.raw('select 3')]);
      // Used within the bypass window: no ping.
      await Promise.all([db.raw('select 1'), db.raw('select 2')]);
      expect(stats(db).validationPings).toBe(0);
      const [victim] = await server.processIds();
      await server.query(`KILL ${victim}`);
      await sleep(50);
      await Promise.all([db.raw('select 1'), db.raw('select 2'), db.raw('select 3')]);
      // The other two, though used moments ago, were pinged once the first was found dead.
      expect(stats(db).validationPings).toBeGreaterThanOrEqual(2);
    } finally {
      await db.destroy();
    }
  });

  it('goneaway: a read killed mid-flight runs again on a fresh connection and returns its result', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 2 } });
    try {
      // knex builders are lazy: .then() sends the query now.
      const read = db.raw('select sleep(1) as s, 42 as answer').then((r) => r);
      await killWhenRunning(server, 'select sleep(1)%');
      const [result] = await read;
      expect(result[0].answer).toBe(42);
      const builderRead = db.select(db.raw('sleep(1) as s'), db.raw('7 as seven')).then((r) => r);
      await killWhenRunning(server, 'select sleep(1) as s, 7%');
      expect((await builderRead)[0].seven).toBe(7);
      expect(stats(db).events.retry).toBeGreaterThanOrEqual(2);
    } finally {
      await db.destroy();
    }
  });

  it('bare knex (control): the killed read rejects', async () => {
    const { db } = open('bare', { connection: server.connection, pool: { min: 0, max: 2 } });
    try {
      // knex builders are lazy: .then() sends the query now.
      const read = db.raw('select sleep(1) as s, 42 as answer').then(
        () => 'resolved',
        (e: unknown) => e,
      );
      await killWhenRunning(server, 'select sleep(1)%');
      expect(await read).toBeInstanceOf(Error);
    } finally {
      await db.destroy();
    }
  });

  it('goneaway: a write killed mid-flight is not run again: ConnectionLostError, never a duplicate row', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 2 } });
    try {
      // The handler is attached at once: the rejection arrives while the KILL is still being issued.
      const write = db('t')
        .insert({ k: 'w1', v: db.raw('sleep(1)') })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      await killWhenRunning(server, 'insert into `t`%');
      const error = await write;
      expect(isConnectionLost(error)).toBe(true);
      expect(codeOf(error)).toBe('GONEAWAY_CONNECTION_LOST');
      expect(String((error as Error).message)).not.toContain('w1');
      await sleep(200);
      expect(await rows('w1')).toBeLessThanOrEqual(1);
      expect(stats(db).events.retry).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('goneaway: a write whose connection was found dead before sending is retried transparently', async () => {
    const proxy: FaultProxy = await startFaultProxy(server.port);
    const { db } = open('goneaway', { connection: proxy.route(server.connection), pool: { min: 0, max: 1 } });
    try {
      await proxy.stopListening();
      const write = db('t')
        .insert({ k: 'w2', v: 1 })
        .then((r) => r);
      await sleep(300);
      await proxy.startListening();
      await write;
      expect(await rows('w2')).toBe(1);
    } finally {
      await db.destroy();
      await proxy.close();
    }
  });

  it('goneaway: a KILL inside a transaction rejects it with TransactionLostError; nothing committed; the next one works', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 2 } });
    try {
      let afterLoss: unknown;
      const outcome = await db
        .transaction(async (trx) => {
          await trx('t').insert({ k: 'tx1', v: 1 });
          const [[{ id }]] = await trx.raw('select connection_id() as id');
          await server.query(`KILL ${Number(id)}`);
          const lost = await trx('t')
            .insert({ k: 'tx1', v: 2 })
            .catch((e: unknown) => e);
          // A later statement in the same callback fails at once without touching the dead connection.
          const started = performance.now();
          afterLoss = await trx.select(1).catch((e: unknown) => e);
          expect(performance.now() - started).toBeLessThan(100);
          throw lost;
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(outcome).toBeInstanceOf(TransactionLostError);
      expect(isTransactionLost(outcome)).toBe(true);
      expect(isTransactionLost(afterLoss)).toBe(true);
      expect(await rows('tx1')).toBe(0);
      await db.transaction(async (trx) => {
        await trx('t').insert({ k: 'tx1', v: 3 });
      });
      expect(await rows('tx1')).toBe(1);
    } finally {
      await db.destroy();
    }
  });

  it('goneaway: a transaction whose callback swallows the loss still rejects with TransactionLostError at COMMIT', async () => {
    const { db } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 2 } });
    try {
      const outcome = await db
        .transaction(async (trx) => {
          await trx('t').insert({ k: 'tx2', v: 1 });
          const [[{ id }]] = await trx.raw('select connection_id() as id');
          await server.query(`KILL ${Number(id)}`);
          await trx('t')
            .insert({ k: 'tx2', v: 2 })
            .catch(() => undefined);
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isTransactionLost(outcome)).toBe(true);
      expect(await rows('tx2')).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('bare knex (control): the killed transaction rejects with an error that has no code', async () => {
    const { db } = open('bare', { connection: server.connection, pool: { min: 0, max: 2 } });
    try {
      const outcome = await db
        .transaction(async (trx) => {
          await trx('t').insert({ k: 'tx3', v: 1 });
          const [[{ id }]] = await trx.raw('select connection_id() as id');
          await server.query(`KILL ${Number(id)}`);
          await trx('t')
            .insert({ k: 'tx3', v: 2 })
            .catch(() => undefined);
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as { code?: unknown }).code).toBeUndefined();
    } finally {
      await db.destroy();
    }
  });

  it('goneaway: the reply to COMMIT lost on the wire is CommitOutcomeUnknownError (the commit happened)', async () => {
    const proxy = await startFaultProxy(server.port);
    const { db } = open('goneaway', { connection: proxy.route(server.connection), pool: { min: 0, max: 1 } });
    try {
      proxy.onClientData((chunk) => (chunk.includes('COMMIT;') ? 'forward-then-reset' : 'forward'));
      const outcome = await db
        .transaction(async (trx) => {
          await trx('t').insert({ k: 'tx4', v: 1 });
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      proxy.onClientData(undefined);
      expect(isCommitOutcomeUnknown(outcome)).toBe(true);
      await sleep(200);
      expect(await rows('tx4')).toBe(1);
    } finally {
      await db.destroy();
      await proxy.close();
    }
  });
});
