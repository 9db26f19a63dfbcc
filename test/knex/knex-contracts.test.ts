import { inspect } from 'node:util';
import { type GoneAwayEvent, goneAway, stats, subscribeTo } from '@goneaway/knex';
import { sharedServer } from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';
import mysql2 from 'mysql2';
import { describe, expect, it } from 'vitest';
import { captureLog, type Side } from './support.js';

const { KnexTimeoutError } = knex;

function configFor(side: Side, connection: Knex.Config['connection'], extra: Partial<Knex.Config> = {}) {
  const config: Knex.Config = {
    client: 'mysql2',
    connection,
    pool: { min: 0, max: 2 },
    log: captureLog().log,
    ...extra,
  };
  return side === 'bare' ? config : goneAway(config);
}

function settle<T>(promise: PromiseLike<T>): Promise<unknown> {
  return Promise.resolve(promise).then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

type PoolShape = { destroy(): Promise<unknown>; destroyed: boolean };

// Contracts from knex 3.3's own integration suite (test/integration, test/integration2) that a
// wrapped knex instance must keep, each run on bare knex and with goneaway.
describe("knex's own contracts, bare and with goneaway (shared server)", () => {
  const server = sharedServer();

  describe.each<Side>(['bare', 'goneaway'])('%s', (side) => {
    // additional.spec.js: "should allow destroying the pool with knex.destroy" and
    // "should allow initialize the pool with knex.initialize".
    it('destroy() twice destroys the pool once; initialize() makes a live pool at once', async () => {
      const db = knex(configFor(side, server.connection));
      const client = db.client as { pool?: PoolShape };
      const pool = client.pool as PoolShape;
      let destroys = 0;
      const destroy = pool.destroy.bind(pool);
      pool.destroy = () => {
        destroys++;
        return destroy();
      };
      await db.destroy();
      await db.destroy();
      expect(destroys).toBe(1);
      expect(client.pool).toBeUndefined();
      db.initialize();
      expect(client.pool?.destroyed).toBe(false);
      const destroying = db.destroy();
      expect(client.pool?.destroyed).toBe(true);
      await destroying;
      db.initialize();
      try {
        const [[row]] = await db.raw('select 1 + 1 as two');
        expect(row.two).toBe(2);
      } finally {
        await db.destroy();
      }
    });

    // additional.spec.js: "Event: preserves listeners on a copy with user params".
    it('a withUserParams copy runs queries and transactions on the same pool', async () => {
      const db = knex(configFor(side, server.connection));
      try {
        let responses = 0;
        db.on('query-response', () => {
          responses++;
        });
        // knex copies the listeners present when the copy is made.
        const copy = db.withUserParams({ tenant: 'a' });
        await copy.raw('select 1');
        await copy.transaction((trx) => trx.raw('select 2'));
        expect(responses).toBe(2);
        expect(copy.userParams).toEqual({ tenant: 'a' });
        expect(copy.client.pool).toBe(db.client.pool);
        if (side === 'goneaway') expect(stats(copy)).toEqual(stats(db));
      } finally {
        await db.destroy();
      }
    });

    // additional.spec.js: "should not leak passwords when logged". (knex hides the password of a
    // static connection only: what a provider returns is printed by bare knex too.)
    it('a query builder printed with util.inspect shows no password', async () => {
      const { host, port, user, password, database } = server.connection;
      const forms: Knex.Config['connection'][] = [
        { ...server.connection },
        `mysql://${user}:${encodeURIComponent(password ?? '')}@${host}:${port}/${database}`,
      ];
      for (const connection of forms) {
        const db = knex(configFor(side, connection));
        try {
          await db.raw('select 1');
          const printed = inspect(db('goneaway_no_such_table').select('*'), { depth: null });
          expect(printed).not.toContain(password);
        } finally {
          await db.destroy();
        }
      }
    });

    // transaction.js: "#1040, #1171 - When pool is filled with transaction connections,
    // Non-transaction queries should not hang the application, but instead throw a timeout error".
    it('a query while a transaction holds the only connection rejects with KnexTimeoutError, sql and bindings', async () => {
      const db = knex(
        configFor(side, server.connection, { pool: { min: 0, max: 1 }, acquireConnectionTimeout: 300 }),
      );
      try {
        const outcome = await db.transaction(async (trx) => {
          await trx.raw('select 1');
          return settle(db.raw('select ? as v', ['Test']));
        });
        expect(outcome).toBeInstanceOf(KnexTimeoutError);
        expect(outcome).toMatchObject({
          message:
            'Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?',
          sql: 'select ? as v',
          bindings: ['Test'],
        });
      } finally {
        await db.destroy();
      }
    });

    // additional.spec.js: "should emit an error rather than crash when the stream cannot acquire a connection (#6460)".
    it('a stream that cannot acquire a connection emits the error', async () => {
      const db = knex(
        configFor(side, server.connection, { pool: { min: 0, max: 1 }, acquireConnectionTimeout: 200 }),
      );
      const client = db.client as {
        acquireConnection(): Promise<unknown>;
        releaseConnection(connection: unknown): Promise<void>;
      };
      const held = await client.acquireConnection();
      try {
        const stream = db.raw('select 1').stream();
        const error = await (async () => {
          try {
            for await (const _ of stream) {
              // nothing arrives
            }
          } catch (caught) {
            return caught;
          }
          return undefined;
        })();
        expect(error).toBeInstanceOf(KnexTimeoutError);
      } finally {
        await client.releaseConnection(held);
        await db.destroy();
      }
    });

    // connection-config-provider.js: "replaces the resolved config when expired".
    it('a provider whose settings stay expired after a refresh makes validate throw, as in knex', async () => {
      let calls = 0;
      const settings = { ...server.connection };
      const provider = () => {
        calls++;
        return Object.assign(settings, { expirationChecker: () => true });
      };
      const db = knex(configFor(side, provider as never));
      const client = db.client as unknown as {
        config: { pool?: unknown };
        connectionConfigProvider(): Record<string, unknown>;
        connectionSettings: unknown;
        connectionConfigExpirationChecker: unknown;
        getPoolSettings(pool: unknown): { validate(connection: unknown): Promise<boolean> };
      };
      try {
        const initial = await client.connectionConfigProvider();
        client.connectionSettings = initial;
        expect(typeof initial.expirationChecker).toBe('function');
        client.connectionConfigExpirationChecker = initial.expirationChecker;
        delete initial.expirationChecker;
        const error = await settle(client.getPoolSettings(client.config.pool).validate({}));
        expect(String((error as Error).message)).toContain(
          'Connection configuration still reported expired after refresh',
        );
        expect(calls).toBe(2);
      } finally {
        await db.destroy();
      }
    });

    // connection-pool.spec.js: "mysql2 — native pool" (knex 3.3's connectionPool option).
    it('runs on a mysql2 pool given as connectionPool, and destroy() leaves that pool alone', async () => {
      const native = mysql2.createPool({ ...server.connection, connectionLimit: 3 });
      const config: Knex.Config = {
        client: 'mysql2',
        connectionPool: native,
        log: captureLog().log,
      } as Knex.Config;
      const db = knex(side === 'bare' ? config : goneAway(config));
      try {
        const results = await Promise.all([1, 2, 3].map((n) => db.raw('select ? as val', [n])));
        expect(results.map(([[row]]) => row.val)).toEqual([1, 2, 3]);
        expect(await db.transaction((trx) => trx.raw('select 4 as val').then(([[row]]) => row.val))).toBe(4);
        await db.destroy();
        const [rows] = await native.promise().query('select 1 as alive');
        expect(rows).toEqual([{ alive: 1 }]);
      } finally {
        await db.destroy();
        await new Promise((resolve) => native.end(resolve));
      }
    });
  });

  it('goneAway(db.client.config) of a wrapped db extends the same knex client once, with the new options', async () => {
    const db = knex(configFor('goneaway', server.connection));
    try {
      const again = knex(goneAway(db.client.config, { name: 'rewrapped' }));
      const events: GoneAwayEvent[] = [];
      subscribeTo(again, (event) => events.push(event));
      try {
        const base = (instance: Knex) => Object.getPrototypeOf((instance.client as object).constructor);
        expect(base(again)).toBe(base(db));
        await again.raw('select 1');
        expect(events.length).toBeGreaterThan(0);
        expect(events.every((event) => event.source === 'rewrapped')).toBe(true);
        expect(stats(again).connectAttempts).toBe(1);
      } finally {
        await again.destroy();
      }
      expect((await db.raw('select 2 as v'))[0][0].v).toBe(2);
    } finally {
      await db.destroy();
    }
  });
});
