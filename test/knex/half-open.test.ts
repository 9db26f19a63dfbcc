import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, open, settleWithin, sleep } from './support.js';

// Behaviours 9 and 10 of the knex plugin: a half-open idle connection; a statement timeout.
describeWithOwnServer('half-open connections and statement timeouts', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startMariaDB();
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  it('goneaway: a query after the idle connection went half-open succeeds on a fresh one within about the ping timeout', async () => {
    const { db, events } = open('goneaway', {
      connection: proxy.route(server.connection),
      pool: { min: 1, max: 1 },
    });
    try {
      await db.raw('select 1');
      await sleep(600); // past the 500 ms bypass window: the next acquire pings
      proxy.blackholeExisting();
      const started = performance.now();
      const [[row]] = await db.raw('select 5 as five');
      const elapsed = performance.now() - started;
      expect(row.five).toBe(5);
      expect(elapsed).toBeGreaterThanOrEqual(900); // the 1 s ping timeout ran out
      expect(elapsed).toBeLessThan(3_000);
      expect(events.some((e) => e.type === 'evicted' && e.reason === 'ping-timeout')).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('goneaway: with several idle connections gone half-open, one ping timeout is paid, not one per connection', async () => {
    const { db, events } = open('goneaway', {
      connection: proxy.route(server.connection),
      pool: { min: 4, max: 4 },
    });
    try {
      await Promise.all([1, 2, 3, 4].map((n) => db.raw('select sleep(0.05), ? as n', [n])));
      await sleep(600);
      proxy.blackholeExisting();
      const started = performance.now();
      const rows = await Promise.all([1, 2].map((n) => db.raw('select ? as n', [n])));
      const elapsed = performance.now() - started;
      expect(rows.map(([r]) => r[0].n)).toEqual([1, 2]);
      // Pinging each of the four in turn would take four ping timeouts.
      expect(elapsed).toBeLessThan(2_500);
      const reasons = events
        .filter((e) => e.type === 'evicted')
        .map((e) => (e.type === 'evicted' ? e.reason : ''));
      expect(reasons).toContain('ping-timeout');
      expect(reasons).toContain('revalidate');
    } finally {
      proxy.resetAll();
      await db.destroy();
    }
  });

  it('bare knex (control): the same query hangs', async () => {
    const { db } = open('bare', { connection: proxy.route(server.connection), pool: { min: 1, max: 1 } });
    try {
      await db.raw('select 1');
      await sleep(600);
      proxy.blackholeExisting();
      const outcome = await settleWithin(
        db.raw('select 5 as five').then((r) => r),
        4_000,
      );
      expect(outcome.status).toBe('hung');
    } finally {
      proxy.resetAll(); // let the hung query fail so destroy() can finish
      await db.destroy();
    }
  });

  it('goneaway: with statementTimeoutMs, a connection that goes silent mid-statement is rejected in time and destroyed', async () => {
    const { db, events } = open(
      'goneaway',
      { connection: proxy.route(server.connection), pool: { min: 0, max: 1 } },
      { statementTimeoutMs: 500 },
    );
    try {
      const [[first]] = await db.raw('select connection_id() as id');
      proxy.blackholeExisting(); // within the bypass window: no ping, the statement is sent into the void
      const started = performance.now();
      const error = await db.raw('select 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(codeOf(error)).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
      expect(performance.now() - started).toBeLessThan(2_000);
      // The timed-out connection is never handed out again: the next query gets a new one.
      const [[next]] = await db.raw('select connection_id() as id');
      expect(next.id).not.toBe(first.id);
      expect(events.some((e) => e.type === 'evicted')).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it("bare knex (control): mysql2's timeout leaves the silent connection in the pool: the next query hangs", async () => {
    const { db } = open('bare', { connection: proxy.route(server.connection), pool: { min: 0, max: 1 } });
    try {
      await db.raw('select 1');
      proxy.blackholeExisting();
      const error = await db
        .raw('select 1')
        .options({ timeout: 500 })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(codeOf(error)).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
      const next = await settleWithin(
        db.raw('select 2').then((r) => r),
        3_000,
      );
      expect(next.status).toBe('hung');
    } finally {
      proxy.resetAll();
      await db.destroy();
    }
  });
});
