import { DatabaseUnavailableError, findGoneAwayError, isDatabaseUnavailable } from '@goneaway/core';
import { type FaultProxy, sharedServer, startFaultProxy } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BUDGET_MS,
  CONNECT_TIMEOUT_MS,
  expectMessageNames,
  expectUnavailableWithinBudget,
  type Host,
  OUTAGE_OPTIONS,
  refusedPort,
  SECRET,
  type SwitchableHost,
  settingsFor,
  silentHost,
  switchableHost,
  type Timed,
  timed,
} from '../core/outage-budget-support.js';
import { codeOf, type Opened, type OpenOptions, type Side, SUBJECTS } from './subjects.js';
import { sleep } from './support.js';

/** mariadb (under Prisma) waits this long for a pooled connection before failing a call. */
const ACQUIRE_TIMEOUT_MS = 5_500;
const BUDGET_OPTIONS: OpenOptions = {
  goneaway: OUTAGE_OPTIONS,
  connectTimeoutMs: CONNECT_TIMEOUT_MS,
  acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
};

/**
 * What the message names: where goneaway tried (the driver's own text, host and port). Prisma's
 * adapter factory keeps its settings private and mariadb reports a failed connect only after its own
 * timeouts: the message can say what failed, not where (README: What it does).
 */
const SILENT_UNNAMED: ReadonlySet<string> = new Set(['prisma']);
const names = (tag: string, host: Host, refused: boolean) => {
  if (refused) return tag === 'prisma' ? 'connect-failed' : `connect ECONNREFUSED ${host.host}:${host.port}`;
  return SILENT_UNNAMED.has(tag) ? 'connect-failed ETIMEDOUT' : `${host.host}:${host.port}`;
};

/** The calls that need a connection: a raw read, a model read, a transaction. */
const CALLS: ReadonlyArray<readonly [string, (db: Opened) => Promise<unknown>]> = [
  ['read', (db) => db.read('select 1')],
  ['model count', (db) => db.count('budget')],
  ['transaction', (db) => db.transaction((tx) => tx.read('select 1'))],
];

// outageBudgetMs bounds the caller's whole wait for a connection, a connect in flight included:
// against a host that accepts TCP and never greets (a blackholed old primary), a refused port, a
// warm pool whose server goes away; and it never cuts off a long statement on a live connection.
describe('cause: connect failures within the outage budget', () => {
  let silent: Host;
  let refused: Host;
  beforeAll(async () => {
    [silent, refused] = await Promise.all([silentHost(), refusedPort()]);
  });
  afterAll(async () => {
    await Promise.all([silent?.close(), refused?.close()]);
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    const opened: Opened[] = [];
    const open = async (
      side: Side,
      connection: Parameters<typeof subject.open>[1],
      options?: OpenOptions,
    ) => {
      const db = await subject.open(side, connection, options);
      opened.push(db);
      return db;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
    });

    /** Each call on a pool of its own (all at once), timed. */
    const eachCall = (host: Host) =>
      Promise.all(
        CALLS.map(async ([what, call]): Promise<[string, Timed, Opened]> => {
          const db = await open('goneaway', settingsFor(host) as never, BUDGET_OPTIONS);
          return [what, await timed(() => call(db)), db];
        }),
      );

    it.each([
      ['a silent host', false],
      ['a refused port', true],
    ] as const)(
      'goneaway, %s: every call rejects with GONEAWAY_UNAVAILABLE within the budget, naming the target',
      async (_label, isRefused) => {
        const host = isRefused ? refused : silent;
        for (const [what, outcome, db] of await eachCall(host)) {
          expectUnavailableWithinBudget(outcome, what);
          expectMessageNames(outcome, names(subject.tag, host, isRefused));
          for (const line of db.logged()) expect(line).not.toContain(SECRET);
          expect(db.logged().filter((line) => line.includes('Acquire connection error'))).toEqual([]);
        }
      },
    );

    it('bare (control), a silent host: the call waits for the whole connect timeout', async () => {
      const db = await open('bare', settingsFor(silent) as never, BUDGET_OPTIONS);
      const outcome = await timed(() => db.read('select 1'));
      expect(outcome.status).toBe('rejected');
      expect(outcome.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 100);
      if (subject.tag !== 'prisma') expect(codeOf(outcome.error)).toBe('ETIMEDOUT');
      expect(String((outcome.error as Error).message)).not.toContain(SECRET);
    });

    it('bare (control), a refused port: fails at once with ECONNREFUSED (mariadb: waits its acquire timeout)', async () => {
      const db = await open('bare', settingsFor(refused) as never, BUDGET_OPTIONS);
      const outcome = await timed(() => db.read('select 1'));
      expect(outcome.status).toBe('rejected');
      if (subject.tag === 'prisma') expect(outcome.ms).toBeGreaterThan(BUDGET_MS);
      else {
        expect(codeOf(outcome.error)).toBe('ECONNREFUSED');
        expect(outcome.ms).toBeLessThan(BUDGET_MS);
      }
    });

    it.each([
      ['goes silent', (host: SwitchableHost) => host.goSilent()],
      ['refuses connects', (host: SwitchableHost) => host.refuse()],
    ])(
      'goneaway, a warm pool whose server %s (a failover): GONEAWAY_UNAVAILABLE within the budget, then at once',
      async (what, fail) => {
        const server = sharedServer();
        const host = await switchableHost(server.port);
        try {
          const db = await open(
            'goneaway',
            { ...server.connection, host: host.host, port: host.port },
            BUDGET_OPTIONS,
          );
          expect(await db.read('select 1 as one')).toEqual([{ one: 1 }]);
          await fail(host);
          const outcome = await timed(() => db.read('select 1'));
          expectUnavailableWithinBudget(outcome, what);
          if (what === 'goes silent') expectMessageNames(outcome, names(subject.tag, host, false));
          else if (subject.tag !== 'prisma') expectMessageNames(outcome, `${host.host}:${host.port}`);
          // The budget is spent: the circuit is open, and the next call fails without waiting again.
          const fast = await timed(() => db.read('select 1'));
          expect(codeOf(fast.error)).toBe('GONEAWAY_UNAVAILABLE');
          expect(fast.ms).toBeLessThan(500);
        } finally {
          await host.close();
        }
      },
    );

    it('goneaway, unreachable past the budget and back: GONEAWAY_UNAVAILABLE, fast failures while the circuit is open, then recovery', async () => {
      const proxy: FaultProxy = await startFaultProxy(sharedServer().port);
      try {
        const db = await open('goneaway', proxy.route(sharedServer().connection), {
          goneaway: { outageBudgetMs: 1_500, circuitBreaker: { probeIntervalMs: 500 } },
        });
        await db.read('select 1');
        await proxy.stopListening();
        proxy.resetAll();
        const first = await timed(() => db.read('select 1'));
        expect(codeOf(first.error)).toBe('GONEAWAY_UNAVAILABLE');
        expect(isDatabaseUnavailable(findGoneAwayError(first.error))).toBe(true);
        // The connect gave up, not a statement: the application gets goneaway's error itself (Prisma
        // re-throws every error as its own).
        // (TypeORM's statement on the reset connection is a QueryFailedError: test/typeorm/restart.test.ts.)
        if (subject.tag !== 'prisma' && !subject.tag.startsWith('typeorm'))
          expect(first.error).toBeInstanceOf(DatabaseUnavailableError);
        expect(first.ms).toBeGreaterThanOrEqual(1_400);
        expect(first.ms).toBeLessThan(6_000);
        const fast = await timed(() => db.read('select 1'));
        expect(codeOf(fast.error)).toBe('GONEAWAY_UNAVAILABLE');
        expect(fast.ms).toBeLessThan(500);
        await proxy.startListening();
        const backAt = performance.now();
        let recovered = false;
        while (!recovered && performance.now() - backAt < 5_000) {
          recovered = await db.read('select 1').then(
            () => true,
            () => false,
          );
          if (!recovered) await sleep(50);
        }
        expect(recovered).toBe(true);
      } finally {
        await proxy.close();
      }
    });

    it("bare (control), unreachable: the call fails with the driver's error (mariadb: at its acquire timeout, P2039)", async () => {
      const proxy: FaultProxy = await startFaultProxy(sharedServer().port);
      try {
        const db = await open('bare', proxy.route(sharedServer().connection), { acquireTimeoutMs: 3_000 });
        await db.read('select 1');
        await proxy.stopListening();
        proxy.resetAll();
        await sleep(200); // the pool notices its reset connections
        const outcome = await timed(() => db.count('unreachable'));
        expect(outcome.status).toBe('rejected');
        expect(String(codeOf(outcome.error))).not.toMatch(/^GONEAWAY_/);
        if (subject.tag === 'prisma') expect(codeOf(outcome.error)).toBe('P2039');
      } finally {
        await proxy.close();
      }
    });

    it.each(['goneaway', 'bare'] as const)(
      '%s: refused at the first call, the server listening 800 ms later',
      async (side) => {
        const proxy: FaultProxy = await startFaultProxy(sharedServer().port);
        try {
          const db = await open(side, proxy.route(sharedServer().connection));
          await proxy.stopListening();
          const started = performance.now();
          const query = timed(() => db.read('select 42 as answer'));
          await sleep(800);
          await proxy.startListening();
          const outcome = await query;
          if (side === 'goneaway') {
            // Waited within the budget, and answered once the server listened.
            expect(outcome.value).toEqual([{ answer: 42 }]);
            expect(performance.now() - started).toBeGreaterThanOrEqual(700);
            if (subject.tag === 'sequelize') expect(db.stats().connectAttempts).toBeGreaterThan(1);
          } else if (subject.tag === 'prisma') {
            // mariadb's pool retries its connects until its acquire timeout.
            expect(outcome.value).toEqual([{ answer: 42 }]);
          } else {
            expect(codeOf(outcome.error)).toBe('ECONNREFUSED');
            if (subject.tag === 'sequelize')
              expect((outcome.error as Error).name).toBe('SequelizeConnectionRefusedError');
          }
        } finally {
          await proxy.close();
        }
      },
    );

    it('goneaway: a statement longer than the budget on an established connection is never cut off', async () => {
      const db = await open('goneaway', sharedServer().connection, {
        poolSize: 1,
        goneaway: { outageBudgetMs: 1_000 },
      });
      const outcome = await timed(() => db.read('select sleep(3) as slept'));
      expect(outcome.status, String(outcome.error)).toBe('fulfilled');
      expect(outcome.ms).toBeGreaterThanOrEqual(2_900);
    });
  });
});
