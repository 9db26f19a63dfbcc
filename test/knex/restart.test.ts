import { DatabaseUnavailableError, isDatabaseUnavailable } from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, open, type Side, sleep } from './support.js';

// Behaviours 8 and 13 of the knex plugin: a server restart under load; failures at start.
describeWithOwnServer('server restart and connect failures', () => {
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

  /** 4 workers read in a loop for `runMs`; the server is SIGKILLed after 500 ms and back `downMs` later. */
  async function restartUnderLoad(side: Side, downMs: number, runMs: number) {
    const { db, lines } = open(side, {
      connection: proxy.route(server.connection),
      pool: { min: 0, max: 4 },
    });
    const errors: unknown[] = [];
    let ok = 0;
    let stop = false;
    let upAt = Number.POSITIVE_INFINITY;
    let firstOkAfterUp = Number.POSITIVE_INFINITY;
    try {
      await Promise.all([1, 2, 3, 4].map(() => db.raw('select 1')));
      const worker = async () => {
        while (!stop) {
          try {
            await db.raw('select 1 as one');
            ok++;
            const now = performance.now();
            if (now >= upAt && firstOkAfterUp === Number.POSITIVE_INFINITY) firstOkAfterUp = now - upAt;
          } catch (error) {
            errors.push(error);
            await sleep(5);
          }
        }
      };
      const workers = [worker(), worker(), worker(), worker()];
      await sleep(500);
      const connectsBefore = proxy.stats.accepted;
      await server.kill();
      const downAt = performance.now();
      await sleep(downMs);
      await server.start();
      upAt = performance.now();
      const connectsDuringOutage = proxy.stats.accepted - connectsBefore;
      await sleep(Math.max(0, runMs - 500 - (upAt - downAt)));
      stop = true;
      await Promise.all(workers);
      return { ok, errors, connectsDuringOutage, lines, firstOkAfterUp, outageMs: upAt - downAt };
    } finally {
      stop = true;
      await db.destroy();
    }
  }

  it('goneaway: SIGKILL + restart after 1.5 s under 4 workers: zero errors, connects bounded by the backoff', async () => {
    const { ok, errors, connectsDuringOutage, lines, firstOkAfterUp, outageMs } = await restartUnderLoad(
      'goneaway',
      1_500,
      4_000,
    );
    expect(errors.map((e) => codeOf(e))).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    // Waiters sit in the reconnect gate, whose probes are at most 200 ms apart (generous bound: a loaded CI machine).
    expect(firstOkAfterUp).toBeLessThan(1_000);
    console.info(
      `restart: ${connectsDuringOutage} connects during a ${Math.round(outageMs)} ms outage, first read ${Math.round(firstOkAfterUp)} ms after the server was back`,
    );
    // Single-flight: one attempt at a time, spaced by the backoff (25 ms doubling to 1 s).
    // The gate's probes are at least 100 ms apart once past the first few (half jitter under a 200 ms
    // ceiling): a handful for the ramp, one per 100 ms of outage, and the 4 workers' own connects at
    // the end. Bare knex makes one per query (hundreds); the outage lasts as long as the restart takes.
    expect(connectsDuringOutage).toBeLessThanOrEqual(6 + Math.ceil(outageMs / 100) + 4);
    expect(lines.filter((l) => l.includes('Acquire connection error'))).toEqual([]);
  });

  it('bare knex (control): the same restart surfaces an error per query and a connect attempt per query', async () => {
    const { errors, connectsDuringOutage } = await restartUnderLoad('bare', 1_500, 4_000);
    expect(errors.length).toBeGreaterThan(50);
    expect(connectsDuringOutage).toBeGreaterThan(50);
  });

  it('goneaway: past the outage budget, DatabaseUnavailableError; then fast failures; then recovery', async () => {
    const { db } = open(
      'goneaway',
      { connection: proxy.route(server.connection), pool: { min: 0, max: 2 } },
      {
        outageBudgetMs: 1_500,
        circuitBreaker: { probeIntervalMs: 500 },
      },
    );
    try {
      await db.raw('select 1');
      await server.kill();
      const started = performance.now();
      const first = await db.raw('select 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      const firstMs = performance.now() - started;
      expect(first).toBeInstanceOf(DatabaseUnavailableError);
      expect(isDatabaseUnavailable(first)).toBe(true);
      expect(firstMs).toBeGreaterThanOrEqual(1_400);
      expect(firstMs).toBeLessThan(6_000);
      // While the circuit is open, calls fail fast instead of each waiting out a budget.
      const fastStarted = performance.now();
      const fast = await db.raw('select 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDatabaseUnavailable(fast)).toBe(true);
      expect(performance.now() - fastStarted).toBeLessThan(500);
      await server.start();
      const recoveredAt = performance.now();
      let recovered = false;
      while (!recovered && performance.now() - recoveredAt < 5_000) {
        recovered = await db.raw('select 1').then(
          () => true,
          () => false,
        );
        if (!recovered) await sleep(50);
      }
      expect(recovered).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('goneaway: connection refused at start is retried within the budget', async () => {
    const { db } = open('goneaway', { connection: proxy.route(server.connection), pool: { min: 0, max: 2 } });
    try {
      await proxy.stopListening();
      const query = db.raw('select 42 as answer').then((r) => r);
      await sleep(800);
      await proxy.startListening();
      const [[row]] = await query;
      expect(row.answer).toBe(42);
    } finally {
      await proxy.startListening().catch(() => undefined);
      await db.destroy();
    }
  });

  it('bare knex (control): connection refused at start fails at once', async () => {
    const { db } = open('bare', { connection: proxy.route(server.connection), pool: { min: 0, max: 2 } });
    try {
      await proxy.stopListening();
      const error = await db.raw('select 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(codeOf(error)).toBe('ECONNREFUSED');
    } finally {
      await proxy.startListening().catch(() => undefined);
      await db.destroy();
    }
  });

  it('goneaway: too many connections for the user is retried until a slot frees up', async () => {
    await server.query(
      "create user if not exists 'limited'@'%' identified by 'limited-pw' with max_user_connections 1",
    );
    await server.query("grant all on goneaway.* to 'limited'@'%'");
    const connection = { ...server.connection, user: 'limited', password: 'limited-pw' };
    const holder = open('bare', { connection, pool: { min: 1, max: 1 } });
    const { db } = open('goneaway', { connection, pool: { min: 0, max: 1 } });
    try {
      await holder.db.raw('select 1');
      const query = db.raw('select 7 as seven').then((r) => r);
      await sleep(700);
      await holder.db.destroy();
      const [[row]] = await query;
      expect(row.seven).toBe(7);
    } finally {
      await holder.db.destroy();
      await db.destroy();
    }
  });

  it('goneaway: a wrong password fails at once (not retried) and the message has no password', async () => {
    const secret = 'not-the-password-x9q';
    const { db, lines } = open('goneaway', {
      connection: { ...server.connection, password: secret },
      pool: { min: 0, max: 1 },
    });
    try {
      const started = performance.now();
      const error = (await db.raw('select 1').then(
        () => undefined,
        (e: unknown) => e,
      )) as Error & { errno?: number };
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error.errno).toBe(1045);
      expect(error.message).not.toContain(secret);
      expect(lines.join('\n')).not.toContain(secret);
    } finally {
      await db.destroy();
    }
  });
});
