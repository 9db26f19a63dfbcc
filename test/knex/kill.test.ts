import { isCommitOutcomeUnknown, stats } from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeWithOwnServer, killWhenRunning, open, sleep } from './support.js';

// Behaviours 3-6 of the knex plugin, what is knex's own: the pool's revalidation after one dead
// connection, a query-builder read, a write whose connection was found dead before sending, a lost
// COMMIT reply. The causes every adapter shares (KILL idle, during a read, a write, in a transaction)
// are test/causes/kill-*.test.ts.
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
