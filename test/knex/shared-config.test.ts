import { type GoneAwayEvent, goneAway, stats, subscribeTo } from '@goneaway/knex';
import { sharedServer } from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { captureLog, codeOf, type Side } from './support.js';

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

async function connectionId(db: Knex): Promise<number> {
  const [[row]] = await db.raw('select connection_id() as id');
  return Number(row.id);
}

function settle<T>(promise: Promise<T>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

/** What the knex suite's shared instance has been through by the time a test copies its config. */
async function destroySiblingOf(origin: Knex): Promise<void> {
  const sibling = knex({ ...origin.client.config });
  await connectionId(sibling);
  await sibling.destroy();
}

// One config object is commonly reused for several knex instances (per tenant, per test,
// knex(db.client.config)); each knex instance must own its pool and goneaway's runtime, as in knex.
describe('one config, several knex instances (shared server)', () => {
  const server = sharedServer();

  describe.each<Side>(['bare', 'goneaway'])('%s', (side) => {
    it('destroying one instance leaves the others working: errors, queries and new connects', async () => {
      const config = configFor(side, server.connection);
      const first = knex(config);
      const second = knex(config);
      try {
        await Promise.all([connectionId(first), connectionId(second)]);
        await first.destroy();
        const syntax = await settle(second.raw('selec 1'));
        expect(codeOf(syntax)).toBe('ER_PARSE_ERROR');
        expect(await connectionId(second)).toBeGreaterThan(0);
        // Two at once: the second needs a new connection.
        const ids = await Promise.all([
          second.raw('select sleep(0.05), connection_id() as id'),
          second.raw('select sleep(0.05), connection_id() as id'),
        ]);
        expect(new Set(ids.map(([[row]]) => row.id)).size).toBe(2);
        // A knex instance made from the same config after the destroy connects too.
        const third = knex(config);
        try {
          expect(await connectionId(third)).toBeGreaterThan(0);
        } finally {
          await third.destroy();
        }
      } finally {
        await first.destroy();
        await second.destroy();
      }
    });

    it('a knex(db.client.config) copy is independent of db', async () => {
      const db = knex(configFor(side, server.connection));
      try {
        await connectionId(db);
        const copy = knex(db.client.config);
        expect(await connectionId(copy)).toBeGreaterThan(0);
        await copy.destroy();
        expect(codeOf(await settle(db.raw('selec 1')))).toBe('ER_PARSE_ERROR');
        expect(await connectionId(db)).toBeGreaterThan(0);
      } finally {
        await db.destroy();
      }
    });

    it('a query after db.destroy() fails as in knex, without waiting', async () => {
      const db = knex(configFor(side, server.connection));
      await connectionId(db);
      await db.destroy();
      const error = await settle(db.raw('select 1'));
      expect(String((error as Error).message)).toContain('Unable to acquire a connection');
    });

    it('db.destroy() then db.initialize() then a query works', async () => {
      const db = knex(configFor(side, server.connection));
      try {
        await connectionId(db);
        await db.destroy();
        db.initialize();
        expect(await connectionId(db)).toBeGreaterThan(0);
        expect(codeOf(await settle(db.raw('selec 1')))).toBe('ER_PARSE_ERROR');
        await db.destroy();
        db.initialize();
        const ids = await Promise.all([
          db.raw('select sleep(0.05), connection_id() as id'),
          db.raw('select sleep(0.05), connection_id() as id'),
        ]);
        expect(ids).toHaveLength(2);
      } finally {
        await db.destroy();
      }
    });

    // knex's test/integration/execution/transaction.js, "#1694, #1703 it should return connections
    // to pool if acquireConnectionTimeout is triggered", after a sibling made from the same config was destroyed.
    it('a nested transaction on a one-connection pool rejects with KnexTimeoutError', async () => {
      const origin = knex(configFor(side, server.connection));
      try {
        await destroySiblingOf(origin);
        const db = knex({ ...origin.client.config, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 300 });
        try {
          const outcome = await settle(db.transaction(() => db.transaction(() => Promise.resolve({}))));
          expect(outcome).toBeInstanceOf(KnexTimeoutError);
          // The connection went back to the pool.
          expect(await connectionId(db)).toBeGreaterThan(0);
        } finally {
          await db.destroy();
        }
      } finally {
        await origin.destroy();
      }
    });

    // knex's test/integration2/query/misc/additional.spec.js, ".timeout(ms, {cancel: true}) should
    // release connections after failing if connection cancellation throws an error".
    it('.timeout(ms, { cancel: true }) whose cancellation throws keeps the timeout and releases the connection', async () => {
      const origin = knex(configFor(side, server.connection));
      await destroySiblingOf(origin);
      const db = knex({ ...origin.client.config, pool: { min: 0, max: 2, acquireTimeoutMillis: 100 } });
      const prototype = Object.getPrototypeOf(db.client) as { _wrappedCancelQueryCall: unknown };
      const own = Object.hasOwn(prototype, '_wrappedCancelQueryCall');
      const original = prototype._wrappedCancelQueryCall;
      try {
        prototype._wrappedCancelQueryCall = () => {
          throw new Error('END THIS');
        };
        const failed = await settle(
          db.raw('SELECT SLEEP(10) -- goneaway cancel').timeout(10, { cancel: true }),
        );
        expect(failed).toMatchObject({
          timeout: 10,
          name: 'Error',
          message: 'After query timeout of 10ms exceeded, cancelling of query failed.',
        });
        if (own) prototype._wrappedCancelQueryCall = original;
        else delete prototype._wrappedCancelQueryCall;
        await settle(db.raw('SELECT SLEEP(10) -- goneaway cancel').timeout(11, { cancel: true }));
        const timedOut = await settle(
          db.raw('SELECT SLEEP(10) -- goneaway cancel').timeout(11, { cancel: true }),
        );
        expect(timedOut).toBeInstanceOf(KnexTimeoutError);
        expect(timedOut).toMatchObject({
          timeout: 11,
          name: 'KnexTimeoutError',
          message: 'Defined query timeout of 11ms exceeded when running query.',
        });
      } finally {
        if (own) prototype._wrappedCancelQueryCall = original;
        else delete prototype._wrappedCancelQueryCall;
        // The first statement's connection was disposed, not cancelled: its SLEEP still runs, and
        // the pool's destroy would wait for it.
        const rows = await server.query<{ id: number }>(
          "select id from information_schema.processlist where info like 'SELECT SLEEP(10) -- goneaway cancel%'",
        );
        for (const { id } of rows) await server.query(`KILL ${Number(id)}`).catch(() => undefined);
        await db.destroy();
        await origin.destroy();
      }
    });
  });

  it('each knex instance made from one goneAway(config) has its own stats and events', async () => {
    const config = configFor('goneaway', server.connection);
    const first = knex(config);
    const second = knex(config);
    const seen: Record<string, GoneAwayEvent[]> = { first: [], second: [] };
    subscribeTo(first, (event) => seen.first?.push(event));
    subscribeTo(second, (event) => seen.second?.push(event));
    try {
      await connectionId(first);
      expect(stats(first).connectAttempts).toBe(1);
      expect(stats(second).connectAttempts).toBe(0);
      expect(seen.first?.some((event) => event.type === 'limits-discovered')).toBe(true);
      expect(seen.second).toEqual([]);
      await connectionId(second);
      expect(stats(second).connectAttempts).toBe(1);
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });
});
