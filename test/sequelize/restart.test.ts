import { DatabaseUnavailableError, isDatabaseUnavailable, stats } from '@goneaway/sequelize';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { AccessDeniedError, ConnectionRefusedError } from 'sequelize';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  codeOfSequelizeError,
  createSequelize,
  describeWithOwnServer,
  failureOf,
  type Side,
  sleep,
  TABLES_SQL,
} from './support.js';

// A server restart under load, a server down at start, a wrong password: Sequelize through
// goneAwaySequelize beside bare Sequelize.
describeWithOwnServer('Sequelize: server restart and connect failures', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startMariaDB();
    for (const sql of TABLES_SQL) await server.query(sql);
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  /** 4 workers read through a model in a loop; the server is SIGKILLed after 500 ms and back `downMs` later. */
  async function restartUnderLoad(side: Side, downMs: number, runMs: number) {
    const { sequelize, Row } = createSequelize(side, {
      connection: proxy.route(server.connection),
      poolMax: 4,
    });
    const errors: unknown[] = [];
    let ok = 0;
    let stop = false;
    try {
      await Promise.all([1, 2, 3, 4].map(() => Row.findOne()));
      const worker = async () => {
        while (!stop) {
          try {
            await Row.findOne();
            ok++;
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
      const upAt = performance.now();
      const connectsDuringOutage = proxy.stats.accepted - connectsBefore;
      await sleep(Math.max(0, runMs - 500 - (upAt - downAt)));
      stop = true;
      await Promise.all(workers);
      const counters = side === 'goneaway' ? stats(sequelize) : undefined;
      return { ok, errors, connectsDuringOutage, outageMs: upAt - downAt, counters };
    } finally {
      stop = true;
      await sequelize.close().catch(() => undefined);
    }
  }

  it('goneaway: SIGKILL + restart after 1.5 s under 4 workers: zero errors, connects bounded by the backoff', async () => {
    const { ok, errors, connectsDuringOutage, outageMs, counters } = await restartUnderLoad(
      'goneaway',
      1_500,
      4_000,
    );
    expect(errors.map((e) => codeOfSequelizeError(e))).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    console.info(
      `Sequelize + goneaway restart: ${ok} reads, ${connectsDuringOutage} connects during a ${Math.round(outageMs)} ms outage, ${counters?.retries} statements run again`,
    );
    // Single-flight: probes at most 200 ms apart once past the ramp, plus the 4 workers' own connects.
    expect(connectsDuringOutage).toBeLessThanOrEqual(6 + Math.ceil(outageMs / 100) + 4);
  });

  it('goneaway: GONEAWAY_UNAVAILABLE once outageBudgetMs is spent, as itself (the connect gave up, not a statement)', async () => {
    const { sequelize } = createSequelize('goneaway', {
      connection: proxy.route(server.connection),
      poolMax: 1,
      options: { outageBudgetMs: 300 },
    });
    try {
      await sequelize.query('select 1');
      await server.kill();
      const started = performance.now();
      const error = await failureOf(sequelize.query('select 2'));
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
    } finally {
      await server.start();
      await sequelize.close().catch(() => undefined);
    }
  });

  it('goneaway: the server comes up 800 ms after the first query: it waits and succeeds', async () => {
    await server.stop();
    const { sequelize } = createSequelize('goneaway', { connection: server.connection, poolMax: 2 });
    try {
      const starting = sleep(800).then(() => server.start());
      const started = performance.now();
      const [rows] = await sequelize.query('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(700);
      await starting;
      expect(stats(sequelize).connectAttempts).toBeGreaterThan(1);
    } finally {
      await sequelize.close().catch(() => undefined);
    }
  });

  it('goneaway: a wrong password fails the first query at once (not retried) and no message carries the password', async () => {
    const secret = 'not-the-password-x9q';
    const { sequelize } = createSequelize('goneaway', {
      connection: { ...server.connection, password: secret },
      poolMax: 1,
    });
    try {
      const started = performance.now();
      const error = (await failureOf(sequelize.authenticate())) as Error & { original?: { errno?: number } };
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error.original?.errno).toBe(1045);
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(String(error.stack)).not.toContain(secret);
      expect(stats(sequelize).connectAttempts).toBe(1);
    } finally {
      await sequelize.close().catch(() => undefined);
    }
  });

  it('bare Sequelize (control): the same restart surfaces an error per query and a connect attempt per query', async () => {
    const { ok, errors, connectsDuringOutage } = await restartUnderLoad('bare', 1_500, 4_000);
    const codes = new Map<string, number>();
    for (const error of errors) {
      const code = codeOfSequelizeError(error);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    console.info(
      `bare Sequelize restart: ${ok} reads, ${errors.length} errors ${JSON.stringify(Object.fromEntries(codes))}, ${connectsDuringOutage} connects`,
    );
    expect(errors.length).toBeGreaterThan(50);
    expect(connectsDuringOutage).toBeGreaterThan(50);
  });

  it('bare Sequelize (control): the server down at the first query: ConnectionRefusedError at once', async () => {
    await server.stop();
    const { sequelize } = createSequelize('bare', { connection: server.connection, poolMax: 2 });
    try {
      const starting = sleep(800).then(() => server.start());
      const error = await failureOf(sequelize.query('select 1 as one'));
      expect(error).toBeInstanceOf(ConnectionRefusedError);
      expect(codeOfSequelizeError(error)).toBe('ECONNREFUSED');
      await starting;
    } finally {
      await sequelize.close().catch(() => undefined);
    }
  });

  it('bare Sequelize (control): a wrong password fails with errno 1045', async () => {
    const { sequelize } = createSequelize('bare', {
      connection: { ...server.connection, password: 'not-the-password-x9q' },
      poolMax: 1,
    });
    try {
      const error = (await failureOf(sequelize.authenticate())) as Error & { original?: { errno?: number } };
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error.original?.errno).toBe(1045);
    } finally {
      await sequelize.close().catch(() => undefined);
    }
  });
});
