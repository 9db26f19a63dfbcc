import { stats, wrapMysql2 } from '@goneaway/mysql2';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import mysql2Promise from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf, describeWithOwnServer, failureOf, sleep } from './support.js';

type Side = 'bare' | 'goneaway';

// A server restart under load, and a wrong password: a wrapped mysql2 pool beside the bare one.
describeWithOwnServer('mysql2 pool: server restart and connect failures', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  const wrapped = wrapMysql2(mysql2Promise);

  beforeAll(async () => {
    server = await startMariaDB();
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  /** 4 workers read in a loop; the server is SIGKILLed after 500 ms and back `downMs` later. */
  async function restartUnderLoad(side: Side, downMs: number, runMs: number) {
    const pool = (side === 'bare' ? mysql2Promise : wrapped).createPool({
      ...proxy.route(server.connection),
      connectionLimit: 4,
    });
    const errors: unknown[] = [];
    let ok = 0;
    let stop = false;
    try {
      await Promise.all([1, 2, 3, 4].map(() => pool.query('select 1')));
      const worker = async () => {
        while (!stop) {
          try {
            await pool.query('select 1 as one');
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
      const okAtEnd = ok;
      return { ok: okAtEnd, errors, connectsDuringOutage, outageMs: upAt - downAt, pool };
    } finally {
      stop = true;
      await pool.end();
    }
  }

  it('goneaway: SIGKILL + restart after 1.5 s under 4 workers: zero errors, connects bounded by the backoff', async () => {
    const { ok, errors, connectsDuringOutage, outageMs, pool } = await restartUnderLoad(
      'goneaway',
      1_500,
      4_000,
    );
    expect(errors.map((e) => codeOf(e))).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    console.info(
      `mysql2 restart: ${connectsDuringOutage} connects during a ${Math.round(outageMs)} ms outage, gate ${JSON.stringify(stats(pool).connectAttempts)} attempts`,
    );
    // Single-flight: probes at most 200 ms apart once past the ramp, plus the 4 workers' own connects.
    expect(connectsDuringOutage).toBeLessThanOrEqual(6 + Math.ceil(outageMs / 100) + 4);
  });

  it('bare mysql2 pool (control): the same restart surfaces an error per query and a connect attempt per query', async () => {
    const { errors, connectsDuringOutage } = await restartUnderLoad('bare', 1_500, 4_000);
    console.info(`bare mysql2 restart: ${errors.length} errors, ${connectsDuringOutage} connects`);
    expect(errors.length).toBeGreaterThan(50);
    expect(connectsDuringOutage).toBeGreaterThan(50);
  });

  it('goneaway: a wrong password fails at once (not retried) and no message carries the password', async () => {
    const secret = 'not-the-password-x9q';
    const pool = wrapped.createPool({ ...server.connection, password: secret, connectionLimit: 1 });
    try {
      const started = performance.now();
      const error = (await failureOf(pool.query('select 1'))) as Error & { errno?: number };
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error.errno).toBe(1045);
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(stats(pool).connectAttempts).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
