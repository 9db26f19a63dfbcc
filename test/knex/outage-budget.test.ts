import { sharedServer } from '@goneaway/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  timed,
} from '../core/outage-budget-support.js';
import { codeOf, open, type Side } from './support.js';

// outageBudgetMs bounds the caller's whole wait for a connection, a connect in flight included:
// against a host that accepts TCP and never greets (a blackholed old primary) and a refused port.
describe('knex: the outage budget bounds the wait', () => {
  let silent: Host;
  let refused: Host;

  beforeAll(async () => {
    [silent, refused] = await Promise.all([silentHost(), refusedPort()]);
  });
  afterAll(async () => {
    await Promise.all([silent?.close(), refused?.close()]);
  });

  /** One knex instance on `host` (a pool of at most 2); `call` runs once, timed; the pool is destroyed after. */
  async function once(side: Side, host: Host, call: (db: ReturnType<typeof open>['db']) => Promise<unknown>) {
    const { db, lines } = open(
      side,
      {
        connection: {
          ...settingsFor(host),
          ...(side === 'bare' ? { connectTimeout: CONNECT_TIMEOUT_MS } : {}),
        },
        pool: { min: 0, max: 2 },
      },
      OUTAGE_OPTIONS,
    );
    try {
      return { outcome: await timed(() => call(db)), lines };
    } finally {
      await db.destroy();
    }
  }

  it('goneaway, a silent host: db.raw and a transaction reject with GONEAWAY_UNAVAILABLE within the budget', async () => {
    const [raw, transaction] = await Promise.all([
      once('goneaway', silent, (db) => db.raw('select 1')),
      once('goneaway', silent, (db) => db.transaction((trx) => trx.raw('select 1'))),
    ]);
    expectUnavailableWithinBudget(raw.outcome, 'db.raw');
    expectUnavailableWithinBudget(transaction.outcome, 'db.transaction');
    // No greeting came, so the message names the address it was still waiting on.
    expectMessageNames(raw.outcome, `${silent.host}:${silent.port}`);
    for (const line of [...raw.lines, ...transaction.lines]) expect(line).not.toContain(SECRET);
  });

  it('bare knex (control), a silent host: the call waits for the whole connect timeout', async () => {
    const { outcome } = await once('bare', silent, (db) => db.raw('select 1'));
    expect(outcome.status).toBe('rejected');
    expect(codeOf(outcome.error)).toBe('ETIMEDOUT');
    expect(outcome.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 100);
  });

  it('goneaway, a refused port: waited out within the budget, and the message says where it tried', async () => {
    const { outcome, lines } = await once('goneaway', refused, (db) => db.raw('select 1'));
    expectUnavailableWithinBudget(outcome, 'db.raw');
    // knex's own "uses correct port for connecting" expects this text in the error message.
    expectMessageNames(outcome, `connect ECONNREFUSED ${refused.host}:${refused.port}`);
    expect(lines.filter((line) => line.includes('Acquire connection error'))).toEqual([]);
  });

  it('bare knex (control), a refused port: fails at once with ECONNREFUSED', async () => {
    const { outcome } = await once('bare', refused, (db) => db.raw('select 1'));
    expect(codeOf(outcome.error)).toBe('ECONNREFUSED');
    expect(outcome.ms).toBeLessThan(BUDGET_MS);
  });

  it.each([
    ['goes silent', (host: SwitchableHost) => host.goSilent()],
    ['refuses connects', (host: SwitchableHost) => host.refuse()],
  ])(
    'goneaway, a warm pool whose server %s (a failover): db.raw rejects within the budget',
    async (what, fail) => {
      const server = sharedServer();
      const host = await switchableHost(server.port);
      const { db } = open(
        'goneaway',
        { connection: { ...server.connection, host: host.host, port: host.port }, pool: { min: 0, max: 2 } },
        OUTAGE_OPTIONS,
      );
      try {
        await db.raw('select 1');
        await fail(host);
        const outcome = await timed(() => db.raw('select 1'));
        expectUnavailableWithinBudget(outcome, what);
        expectMessageNames(outcome, `${host.host}:${host.port}`);
      } finally {
        await db.destroy();
        await host.close();
      }
    },
  );

  it('goneaway: a statement longer than the budget on an established connection is never cut off', async () => {
    const server = sharedServer();
    const { db } = open(
      'goneaway',
      { connection: server.connection, pool: { min: 0, max: 1 } },
      { outageBudgetMs: 1_000 },
    );
    try {
      const outcome = await timed(() => db.raw('select sleep(3) as slept'));
      expect(outcome.status, String(outcome.error)).toBe('fulfilled');
      expect(outcome.ms).toBeGreaterThanOrEqual(2_900);
    } finally {
      await db.destroy();
    }
  });
});
