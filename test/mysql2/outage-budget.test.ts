import { wrapMysql2 } from '@goneaway/mysql2';
import { sharedServer, startFaultProxy } from '@goneaway/test-harness';
import mysql2 from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectMessageNames,
  expectUnavailableWithinBudget,
  type Host,
  OUTAGE_OPTIONS,
  refusedPort,
  settingsFor,
  silentHost,
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

// outageBudgetMs through each of mysql2's call styles (callback, execute, getConnection), and a late
// connection; the bare controls, failovers and long statements are test/causes/outage-budget.test.ts.
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

  it('goneaway, a refused port: waited out within the budget, and the message says where it tried', async () => {
    for (const [what, outcome] of await eachCall(wrapped(refused))) {
      expectUnavailableWithinBudget(outcome, what);
      expectMessageNames(outcome, `connect ECONNREFUSED ${refused.host}:${refused.port}`);
    }
  });

  it('goneaway: a connection made after its caller gave up goes to the pool, not astray', async () => {
    const server = sharedServer();
    const proxy = await startFaultProxy(server.port);
    // Each chunk 800 ms late: the handshake (several round trips, ≥ 2.4 s) outlasts a 500 ms budget
    // even when a loaded machine fires the budget's timer late (400 ms once let the handshake finish first).
    proxy.setLatency(800);
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
});
