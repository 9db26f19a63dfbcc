import type { MariaDBServer } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, type Opened, type Side, SUBJECTS } from './subjects.js';
import { connectionIdOf, describeWithOwnServer, recordPrinted, sleep, startCauseServer } from './support.js';

const WAIT_TIMEOUT_S = 2;
/**
 * Adapters that retire idle connections themselves before wait_timeout. Under Prisma, mariadb's pool
 * keeps its idle connections (idleTimeout 30 min, not set by withGoneaway): the server times them
 * out, mariadb notices the close, and goneaway's part is that the statements after succeed.
 */
const RETIRES_IDLE = (tag: string) => tag !== 'prisma';
/** Only the knex plugin emits `limit-capped` today (the others cap the limit silently: see the report). */
/** What a bare library logs when the server has timed out its idle connections. */
const BARE_LOGS: Record<string, RegExp | undefined> = { knex: /Connection Error/ };

/** Connections the server itself timed out (`Aborted_clients`: closed without a COM_QUIT). */
async function abortedClients(server: MariaDBServer): Promise<number> {
  const rows = await server.query<{ Value: string }>("show global status like 'Aborted_clients'");
  return Number(rows[0]?.Value);
}

/** Waits `ms` while the harness's admin connection stays busy (it must not be timed out itself). */
async function idleFor(server: MariaDBServer, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    await server.processIds();
    await sleep(Math.min(250, Math.max(0, until - performance.now())));
  }
}

// Connections left idle past wait_timeout (2 s here): goneaway reads the server's limits and retires
// them itself, with a COM_QUIT, before the server times them out; the statements after the idle
// period all succeed; nothing is printed; a write sent just as the timeout expires never fails.
describeWithOwnServer('cause: idle past wait_timeout', () => {
  let server: MariaDBServer;
  const printed = recordPrinted();
  beforeAll(async () => {
    server = await startCauseServer({ serverOptions: { wait_timeout: WAIT_TIMEOUT_S } });
    await server.query('create table goneaway.race (id int auto_increment primary key, n int not null)');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    const opened: Opened[] = [];
    const open = async (side: Side, options?: Parameters<typeof subject.open>[2]) => {
      const db = await subject.open(side, server.connection, options);
      opened.push(db);
      return db;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
    });

    /** Two connections used, 3 s idle (past wait_timeout), then 3 reads and a write. */
    async function idlePastTimeout(db: Opened, duringIdle: () => Promise<unknown> = async () => undefined) {
      const before = await Promise.all([1, 2].map(() => db.read('select connection_id() as id, sleep(0.1)')));
      const abortedBefore = await abortedClients(server);
      await Promise.all([idleFor(server, 3_000), duringIdle()]);
      const aborted = (await abortedClients(server)) - abortedBefore;
      const results = await Promise.allSettled([
        ...[1, 2, 3].map((n) => db.read('select ? as n', [n])),
        db.insert(`${subject.tag}-idle-${db.side}`, 1),
      ]);
      const after = await connectionIdOf(db);
      return { results, before: before.map((rows) => Number(rows[0]?.id)), after, aborted };
    }

    it('goneaway: idle connections leave with COM_QUIT before wait_timeout; the statements after all succeed; limits read; nothing printed', async () => {
      const db = await open('goneaway', { poolSize: 4 });
      // Meanwhile, on two more pools: a connection used more often than its idle limit stays (its idle
      // clock restarts with each statement), and a user's idle limit above wait_timeout is capped.
      const busy = await open('goneaway', { poolSize: 1, goneaway: { maxLifetimeMs: false } });
      const capped = await open('goneaway', { poolSize: 1, goneaway: { idleLimitMs: 60_000 } });
      const busyIds: number[] = [];
      const keepBusy = async () => {
        for (let i = 0; i < 9; i++) {
          busyIds.push(await connectionIdOf(busy));
          await sleep(300);
        }
      };
      const { results, before, after, aborted } = await idlePastTimeout(db, () =>
        Promise.all([keepBusy(), capped.read('select 1')]),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect(before).not.toContain(after);
      if (RETIRES_IDLE(subject.tag)) {
        // goneaway retired them itself, politely: the server timed out none of them.
        expect(aborted).toBe(0);
        const counters = db.stats();
        // Retired at their idle or lifetime limit, whichever came first (both derive from wait_timeout).
        expect(counters.evictions['idle-limit'] + counters.evictions.lifetime).toBeGreaterThanOrEqual(2);
        expect(counters.evictions.error).toBe(0);
        for (const e of db.events.filter((event) => event.type === 'evicted'))
          expect(['idle-limit', 'lifetime']).toContain(e.type === 'evicted' && e.reason);
      } else expect(aborted).toBeGreaterThanOrEqual(2);
      const discovered = db.events.find((e) => e.type === 'limits-discovered');
      expect(discovered?.type === 'limits-discovered' && discovered.limits.waitTimeoutSeconds).toBe(
        WAIT_TIMEOUT_S,
      );
      expect(discovered?.type === 'limits-discovered' && discovered.derived.idleLimitMs).toBeLessThan(2_000);
      // The busy connection: the same one throughout, never evicted.
      expect(new Set(busyIds).size).toBe(1);
      expect(busy.stats().events.evicted).toBe(0);
      // The capped limit: below wait_timeout, said so with an event.
      const cappedLimits = capped.events.find((e) => e.type === 'limits-discovered');
      expect(cappedLimits?.type === 'limits-discovered' && cappedLimits.derived.idleSource).toBe(
        'user-capped',
      );
      expect(cappedLimits?.type === 'limits-discovered' && cappedLimits.derived.idleLimitMs).toBeGreaterThan(
        1_000,
      );
      expect(cappedLimits?.type === 'limits-discovered' && cappedLimits.derived.idleLimitMs).toBeLessThan(
        2_000,
      );
      const limitCapped = capped.events.find((e) => e.type === 'limit-capped');
      // Every adapter reports the cap (the pipeline's LimitsReporter).
      expect(limitCapped?.type === 'limit-capped' && limitCapped.requestedMs).toBe(60_000);
      expect(db.logged()).toEqual([]);
      expect(printed.lines()).toEqual([]);
    });

    it('bare (control): the server times the idle connections out', async () => {
      const db = await open('bare', { poolSize: 4 });
      const { results, before, after, aborted } = await idlePastTimeout(db);
      // The drivers notice the server's close on an idle socket and the pools drop those connections.
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect(before).not.toContain(after);
      expect(aborted).toBeGreaterThanOrEqual(2);
      const logs = BARE_LOGS[subject.tag];
      if (logs !== undefined) expect(db.logged().some((line) => logs.test(line))).toBe(true);
    });

    /**
     * 24 pools, each with one connection, each writing again just as wait_timeout expires (2 s ±
     * 60 ms after its first statement). The server closes the idle socket at 2 s; a write sent in the
     * same instant races the close.
     */
    async function boundaryRace(side: Side) {
      const tries = 24;
      const pools = await Promise.all(Array.from({ length: tries }, () => open(side, { poolSize: 1 })));
      const outcomes = await Promise.all(
        pools.map(async (db, index) => {
          await sleep(index * 15);
          await db.read('select 1');
          await sleep(WAIT_TIMEOUT_S * 1_000 - 60 + Math.round((120 * index) / (tries - 1)));
          return db.execute('insert into goneaway.race (n) values (?)', [index]).then(
            () => 'ok',
            (error: unknown) => String(codeOf(error)),
          );
        }),
      );
      return { failures: outcomes.filter((o) => o !== 'ok'), logged: pools.flatMap((db) => db.logged()) };
    }

    it('goneaway: a write issued just as wait_timeout expires never fails; nothing printed', async () => {
      const { failures, logged } = await boundaryRace('goneaway');
      expect(failures).toEqual([]);
      expect(logged).toEqual([]);
      expect(printed.lines()).toEqual([]);
    });

    it('bare (control): at the boundary the server closes connections under the pool', async () => {
      const { failures, logged } = await boundaryRace('bare');
      printed.stop();
      console.info(
        `${subject.name} bare boundary race: ${failures.length} of 24 failed ${JSON.stringify(failures)}, ${logged.length} lines logged`,
      );
      expect(failures.filter((code) => code.startsWith('GONEAWAY_'))).toEqual([]);
      // knex says so in its log when it notices; a write may fail outright (Prisma's P2039/P1017).
      if (subject.tag === 'knex')
        expect(
          failures.length + logged.filter((line) => line.includes('Connection Error')).length,
        ).toBeGreaterThan(0);
      if (subject.tag === 'prisma') for (const code of failures) expect(['P2039', 'P1017']).toContain(code);
    });
  });
});
