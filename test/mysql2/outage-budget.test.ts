import { wrapMysql2 } from '@goneaway/mysql2';
import { sharedServer, startFaultProxy } from '@goneaway/test-harness';
import mysql2 from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUDGET_MS,
  CONNECT_TIMEOUT_MS,
  expectMessageNames,
  expectUnavailableWithinBudget,
  type Host,
  OUTAGE_OPTIONS,
  refusedPort,
  type SwitchableHost,
  settingsFor,
  silentHost,
  switchableHost,
  type Timed,
  timed,
} from '../core/outage-budget-support.js';
import { codeOf, sleep, waitFor } from './support.js';

type CallbackPool = ReturnType<typeof mysql2.createPool>;

/** The four ways a wrapped pool is used: callback query, promise execute, getConnection both ways. */
const CALLS: ReadonlyArray<readonly [string, (pool: CallbackPool) => Promise<unknown>]> = [
  [
    'pool.query (callback)',
    (pool) =>
      new Promise((resolve, reject) =>
        pool.query('select 1', (error, rows) => (error ? reject(error) : resolve(rows))),
      ),
  ],
  ['pool.promise().execute', (pool) => pool.promise().execute('select ?', [1])],
  ['pool.promise().getConnection', (pool) => pool.promise().getConnection()],
  [
    'pool.getConnection (callback)',
    (pool) =>
      new Promise((resolve, reject) =>
        pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
      ),
  ],
];

// outageBudgetMs bounds the caller's whole wait for a connection, a connect in flight included:
// against a host that accepts TCP and never greets (a blackholed old primary) and a refused port.
describe('mysql2: the outage budget bounds the wait', () => {
  let silent: Host;
  let refused: Host;

  beforeAll(async () => {
    [silent, refused] = await Promise.all([silentHost(), refusedPort()]);
  });
  afterAll(async () => {
    await Promise.all([silent?.close(), refused?.close()]);
  });

  /** Each call on a pool of its own (all at once), timed; the pools are ended after. */
  async function eachCall(create: () => CallbackPool): Promise<Array<[string, Timed]>> {
    return Promise.all(
      CALLS.map(async ([what, call]): Promise<[string, Timed]> => {
        const pool = create();
        try {
          return [what, await timed(() => call(pool))];
        } finally {
          await new Promise((resolve) => pool.end(resolve));
        }
      }),
    );
  }

  const wrapped = (host: Host) => () =>
    wrapMysql2(mysql2, OUTAGE_OPTIONS).createPool({ ...settingsFor(host), connectionLimit: 2 });

  it('goneaway, a silent host: query, execute and getConnection reject with GONEAWAY_UNAVAILABLE within the budget', async () => {
    for (const [what, outcome] of await eachCall(wrapped(silent))) {
      expectUnavailableWithinBudget(outcome, what);
      expectMessageNames(outcome, `${silent.host}:${silent.port}`);
    }
  });

  it('bare mysql2 (control), a silent host: the call waits for the whole connect timeout', async () => {
    const pool = mysql2.createPool({
      ...settingsFor(silent),
      connectionLimit: 2,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    try {
      const outcome = await timed(() => pool.promise().query('select 1'));
      expect(codeOf(outcome.error)).toBe('ETIMEDOUT');
      expect(outcome.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 100);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });

  it('goneaway, a refused port: waited out within the budget, and the message says where it tried', async () => {
    for (const [what, outcome] of await eachCall(wrapped(refused))) {
      expectUnavailableWithinBudget(outcome, what);
      expectMessageNames(outcome, `connect ECONNREFUSED ${refused.host}:${refused.port}`);
    }
  });

  it('bare mysql2 (control), a refused port: fails at once with ECONNREFUSED', async () => {
    const pool = mysql2.createPool({ ...settingsFor(refused), connectionLimit: 2 });
    try {
      const outcome = await timed(() => pool.promise().query('select 1'));
      expect(codeOf(outcome.error)).toBe('ECONNREFUSED');
      expect(outcome.ms).toBeLessThan(BUDGET_MS);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });

  it.each([
    ['goes silent', (host: SwitchableHost) => host.goSilent()],
    ['refuses connects', (host: SwitchableHost) => host.refuse()],
  ])(
    'goneaway, a warm pool whose server %s (a failover): a query rejects within the budget',
    async (what, fail) => {
      const server = sharedServer();
      const host = await switchableHost(server.port);
      const pool = wrapMysql2(mysql2, OUTAGE_OPTIONS).createPool({
        ...server.connection,
        host: host.host,
        port: host.port,
        connectionLimit: 2,
      });
      try {
        await pool.promise().query('select 1');
        await fail(host);
        const outcome = await timed(() => pool.promise().query('select 1'));
        expectUnavailableWithinBudget(outcome, what);
        expectMessageNames(outcome, `${host.host}:${host.port}`);
      } finally {
        await new Promise((resolve) => pool.end(resolve));
        await host.close();
      }
    },
  );

  it('goneaway: a connection made after its caller gave up goes to the pool, not astray', async () => {
    const server = sharedServer();
    const proxy = await startFaultProxy(server.port);
    // Each chunk 400 ms late: the handshake (several round trips) outlasts a 500 ms budget.
    proxy.setLatency(400);
    const pool = wrapMysql2(mysql2, { outageBudgetMs: 500 }).createPool({
      ...proxy.route(server.connection),
      connectionLimit: 1,
    });
    const core = pool as unknown as {
      _allConnections: { length: number };
      _freeConnections: { length: number };
    };
    try {
      const outcome = await timed(() => pool.promise().query('select 1'));
      expect(codeOf(outcome.error)).toBe('GONEAWAY_UNAVAILABLE');
      // The connect went on and finished: the pool holds it, free, and the next call uses it.
      await waitFor(() => core._freeConnections.length === 1, 'the late connection back in the pool');
      proxy.setLatency(0);
      await sleep(1_100); // the circuit lets a probe through
      expect(
        await pool
          .promise()
          .query('select 1 as one')
          .then(([rows]) => rows),
      ).toEqual([{ one: 1 }]);
      expect(proxy.stats.accepted).toBe(1);
      expect(core._allConnections.length).toBe(1);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
      await proxy.close();
    }
  });

  it('goneaway: a statement longer than the budget on an established connection is never cut off', async () => {
    const pool = wrapMysql2(mysql2, { outageBudgetMs: 1_000 }).createPool({
      ...sharedServer().connection,
      connectionLimit: 1,
    });
    try {
      const outcome = await timed(() => pool.promise().query('select sleep(3) as slept'));
      expect(outcome.status, String(outcome.error)).toBe('fulfilled');
      expect(outcome.ms).toBeGreaterThanOrEqual(2_900);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });
});
