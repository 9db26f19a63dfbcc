import { stats } from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import mariadb from 'mariadb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, open, settleWithin, sleep } from './support.js';

// Behaviours 9 and 10 of the knex plugin, past the shared cause (test/causes/half-open.test.ts):
// several half-open connections, slow links, event-loop stalls, statement timeouts.
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

  it('goneaway: 150 ms of latency each way on a healthy connection (a slow link) evicts nothing: the ping timeout follows the round trips', async () => {
    await using slow = await startFaultProxy(server.port);
    const { db, events } = open('goneaway', {
      connection: slow.route(server.connection),
      pool: { min: 1, max: 1 },
    });
    try {
      const [[first]] = await db.raw('select connection_id() as id');
      slow.setLatency(150);
      // The pool sees its statements take a round trip of about 300 ms.
      for (let i = 0; i < 3; i++) await db.raw('select 1');
      await sleep(600); // past the bypass window: the next acquire pings, and the ping takes about 300 ms
      const [[after]] = await db.raw('select connection_id() as id');
      expect(stats(db).validationPings).toBe(1);
      expect(after.id).toBe(first.id);
      expect(events.filter((e) => e.type === 'evicted')).toEqual([]);
    } finally {
      slow.setLatency(0);
      await db.destroy();
    }
  });

  it('bare MariaDB Connector/Node pool (control): its fixed 250 ms ping timeout drops the same healthy connection', async () => {
    await using slow = await startFaultProxy(server.port);
    const pool = mariadb.createPool({ ...slow.route(server.connection), connectionLimit: 1 });
    try {
      const idOf = async () =>
        Number((await pool.query<Array<{ id: bigint }>>('select connection_id() as id'))[0]?.id);
      const first = await idOf();
      slow.setLatency(150);
      for (let i = 0; i < 3; i++) await pool.query('select 1');
      await sleep(600); // past its minDelayValidation (500 ms): its acquire pings with pingTimeout 250 ms
      expect(await idOf()).not.toBe(first);
    } finally {
      slow.setLatency(0);
      await pool.end();
    }
  });

  it.each([
    ['the default', undefined],
    ['validation.pingTimeoutMs: 250', { validation: { pingTimeoutMs: 250 } }],
  ])(
    'goneaway, %s: a 400 ms event-loop stall while the validation ping is in flight evicts nothing',
    async (_label, options) => {
      const { db, events } = open(
        'goneaway',
        { connection: server.connection, pool: { min: 1, max: 1 } },
        options,
      );
      try {
        const [[first]] = await db.raw('select connection_id() as id');
        await sleep(600);
        // Right after the pooled connection's ping is sent (in a check phase, where any long synchronous
        // task may run), the event loop is blocked for 400 ms: the server's answer sits unread, and Node
        // then runs the timers that expired meanwhile before it reads sockets.
        const pool = (db.client as { pool: { free: Array<{ resource: { ping: (cb: unknown) => void } }> } })
          .pool;
        const connection = pool.free[0]?.resource;
        if (connection === undefined) throw new Error('no idle pooled connection');
        const ping = connection.ping;
        let stalls = 0;
        connection.ping = function (this: unknown, callback: unknown) {
          setImmediate(() => {
            ping.call(this, callback);
            stalls++;
            const until = performance.now() + 400;
            while (performance.now() < until) {
              // blocked
            }
          });
        };
        const [[after]] = await db.raw('select connection_id() as id');
        expect(stalls).toBe(1);
        expect(after.id).toBe(first.id);
        expect(events.filter((e) => e.type === 'evicted')).toEqual([]);
      } finally {
        await db.destroy();
      }
    },
  );

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
