import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { DatabaseUnavailableError, isDatabaseUnavailable, stats } from '@goneaway/typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BARE_TYPEORM,
  codeOf,
  createDataSource,
  describeWithOwnServer,
  failureOf,
  type Side,
  sleep,
  TABLES_SQL,
  TYPEORMS,
} from './support.js';

type Orm = (typeof TYPEORMS)[number]['orm'];
interface QueryRunnerLike {
  query(sql: string): Promise<unknown>;
  release(): Promise<void>;
}

// A server restart under load, and a wrong password: TypeORM through goneAwayTypeorm (1.x and 0.3)
// beside bare TypeORM 1.x.
describeWithOwnServer('TypeORM: server restart and connect failures', () => {
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

  /** 4 workers read through a repository in a loop; the server is SIGKILLed after 500 ms and back `downMs` later. */
  async function restartUnderLoad(orm: Orm, side: Side, downMs: number, runMs: number) {
    const dataSource = createDataSource(orm, side, {
      connection: proxy.route(server.connection),
      poolSize: 4,
    });
    await dataSource.initialize();
    const errors: unknown[] = [];
    let ok = 0;
    let stop = false;
    try {
      const rows = dataSource.getRepository('Row');
      await Promise.all([1, 2, 3, 4].map(() => rows.find({ take: 1 })));
      const worker = async () => {
        while (!stop) {
          try {
            await rows.find({ take: 1 });
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
      const counters = side === 'goneaway' ? stats(dataSource) : undefined;
      return { ok, errors, connectsDuringOutage, outageMs: upAt - downAt, counters };
    } finally {
      stop = true;
      await dataSource.destroy().catch(() => undefined);
    }
  }

  describe.each(TYPEORMS)('goneaway on $label', ({ label, orm }) => {
    it('goneaway: SIGKILL + restart after 1.5 s under 4 workers: zero errors, connects bounded by the backoff', async () => {
      const { ok, errors, connectsDuringOutage, outageMs, counters } = await restartUnderLoad(
        orm,
        'goneaway',
        1_500,
        4_000,
      );
      expect(errors.map((e) => codeOf(e))).toEqual([]);
      expect(ok).toBeGreaterThan(100);
      console.info(
        `${label} + goneaway restart: ${ok} reads, ${connectsDuringOutage} connects during a ${Math.round(outageMs)} ms outage, ${counters?.retries} statements run again`,
      );
      // Single-flight: probes at most 200 ms apart once past the ramp, plus the 4 workers' own connects.
      expect(connectsDuringOutage).toBeLessThanOrEqual(6 + Math.ceil(outageMs / 100) + 4);
    });

    it('goneaway: a wrong password fails initialize() at once (not retried) and no message carries the password', async () => {
      const secret = 'not-the-password-x9q';
      const dataSource = createDataSource(orm, 'goneaway', {
        connection: { ...server.connection, password: secret },
        poolSize: 1,
      });
      const started = performance.now();
      const error = (await failureOf(dataSource.initialize())) as Error & { errno?: number };
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error.errno).toBe(1045);
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(String(error.stack)).not.toContain(secret);
    });
  });

  describe.each(TYPEORMS)('goneaway on $label, server down past the outage budget', ({ orm }) => {
    it('goneaway: GONEAWAY_UNAVAILABLE once outageBudgetMs is spent: from a statement as a QueryFailedError, from an acquire as itself', async () => {
      const dataSource = createDataSource(orm, 'goneaway', {
        connection: proxy.route(server.connection),
        poolSize: 1,
        options: { outageBudgetMs: 300 },
      });
      await dataSource.initialize();
      try {
        const runner = (
          dataSource as unknown as { createQueryRunner(): QueryRunnerLike }
        ).createQueryRunner();
        await runner.query('select 1');
        await server.kill();
        // A statement on a held connection: its connection died, the re-run could not get a new one.
        const fromStatement = await failureOf(runner.query('select 2'));
        await runner.release();
        // A statement that needs a connection first: the acquire gives up, before TypeORM's try block.
        const fromAcquire = await failureOf(dataSource.query('select 3'));
        for (const error of [fromStatement, fromAcquire]) {
          expect(isDatabaseUnavailable(error)).toBe(true);
          expect(codeOf(error)).toBe('GONEAWAY_UNAVAILABLE');
        }
        expect((fromStatement as Error).name).toBe('QueryFailedError');
        expect(fromAcquire).toBeInstanceOf(DatabaseUnavailableError);
      } finally {
        await server.start();
        await dataSource.destroy().catch(() => undefined);
      }
    });
  });

  describe(`bare ${BARE_TYPEORM.label} (control)`, () => {
    it('bare (control): the same restart surfaces an error per query and a connect attempt per query', async () => {
      const { ok, errors, connectsDuringOutage } = await restartUnderLoad(
        BARE_TYPEORM.orm,
        'bare',
        1_500,
        4_000,
      );
      const codes = new Map<string, number>();
      for (const error of errors)
        codes.set(String(codeOf(error)), (codes.get(String(codeOf(error))) ?? 0) + 1);
      console.info(
        `bare TypeORM restart: ${ok} reads, ${errors.length} errors ${JSON.stringify(Object.fromEntries(codes))}, ${connectsDuringOutage} connects`,
      );
      expect(errors.length).toBeGreaterThan(50);
      expect(connectsDuringOutage).toBeGreaterThan(50);
    });

    it('bare (control): a wrong password fails initialize() with errno 1045', async () => {
      const secret = 'not-the-password-x9q';
      const dataSource = createDataSource(BARE_TYPEORM.orm, 'bare', {
        connection: { ...server.connection, password: secret },
        poolSize: 1,
      });
      const error = (await failureOf(dataSource.initialize())) as Error & { errno?: number };
      expect(error.errno).toBe(1045);
    });
  });
});
