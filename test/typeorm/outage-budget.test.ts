import { type ConnectionInfo, sharedServer } from '@goneaway/test-harness';
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
import { BARE_TYPEORM, codeOf, createDataSource, TYPEORMS } from './support.js';

/** TypeORM names the password `password` and the user `username`: createDataSource maps them. */
function connectionTo(host: Host): ConnectionInfo {
  return settingsFor(host) as ConnectionInfo;
}

// outageBudgetMs bounds the caller's whole wait for a connection, a connect in flight included:
// against a host that accepts TCP and never greets (a blackholed old primary) and a refused port.
describe('typeorm: the outage budget bounds the wait', () => {
  let silent: Host;
  let refused: Host;

  beforeAll(async () => {
    [silent, refused] = await Promise.all([silentHost(), refusedPort()]);
  });
  afterAll(async () => {
    await Promise.all([silent?.close(), refused?.close()]);
  });

  describe.each(TYPEORMS)('goneaway on $label', ({ orm }) => {
    it('a silent host and a refused port: initialize() rejects with GONEAWAY_UNAVAILABLE within the budget', async () => {
      const outcomes = await Promise.all(
        [silent, refused].map(async (host) => {
          const dataSource = createDataSource(orm, 'goneaway', {
            connection: connectionTo(host),
            options: OUTAGE_OPTIONS,
          });
          const outcome = await timed(() => dataSource.initialize());
          if (dataSource.isInitialized) await dataSource.destroy();
          return outcome;
        }),
      );
      const [fromSilent, fromRefused] = outcomes as [(typeof outcomes)[0], (typeof outcomes)[0]];
      expectUnavailableWithinBudget(fromSilent, 'silent host');
      expectMessageNames(fromSilent, `${silent.host}:${silent.port}`);
      expectUnavailableWithinBudget(fromRefused, 'refused port');
      expectMessageNames(fromRefused, `connect ECONNREFUSED ${refused.host}:${refused.port}`);
    });

    it.each([
      ['goes silent', (host: SwitchableHost) => host.goSilent()],
      ['refuses connects', (host: SwitchableHost) => host.refuse()],
    ])(
      'an initialized DataSource whose server %s (a failover): a query rejects within the budget',
      async (what, fail) => {
        const server = sharedServer();
        const host = await switchableHost(server.port);
        const dataSource = createDataSource(orm, 'goneaway', {
          connection: { ...server.connection, host: host.host, port: host.port },
          options: OUTAGE_OPTIONS,
        });
        await dataSource.initialize();
        try {
          expect(await dataSource.query('select 1 as one')).toEqual([{ one: 1 }]);
          await fail(host);
          const outcome = await timed(() => dataSource.query('select 1'));
          expectUnavailableWithinBudget(outcome, what);
          expectMessageNames(outcome, `${host.host}:${host.port}`);
        } finally {
          await dataSource.destroy();
          await host.close();
        }
      },
    );
  });

  it('bare TypeORM (control), a silent host: initialize() waits for the whole connect timeout', async () => {
    const { host, port, user, password, database } = connectionTo(silent);
    const dataSource = new BARE_TYPEORM.orm.DataSource({
      type: 'mariadb',
      host,
      port,
      username: user,
      password,
      database,
      connectTimeout: CONNECT_TIMEOUT_MS,
    } as never);
    const outcome = await timed(() => dataSource.initialize());
    expect(outcome.status).toBe('rejected');
    expect(codeOf(outcome.error)).toBe('ETIMEDOUT');
    expect(outcome.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 100);
    expect(String((outcome.error as Error).message)).not.toContain(SECRET);
  });

  it('bare TypeORM (control), a refused port: initialize() fails at once with ECONNREFUSED', async () => {
    const dataSource = createDataSource(BARE_TYPEORM.orm, 'bare', { connection: connectionTo(refused) });
    const outcome = await timed(() => dataSource.initialize());
    expect(codeOf(outcome.error)).toBe('ECONNREFUSED');
    expect(outcome.ms).toBeLessThan(BUDGET_MS);
  });

  it('goneaway: a statement longer than the budget on an established connection is never cut off', async () => {
    const dataSource = createDataSource(TYPEORMS[0].orm, 'goneaway', {
      connection: sharedServer().connection,
      poolSize: 1,
      options: { outageBudgetMs: 1_000 },
    });
    await dataSource.initialize();
    try {
      const outcome = await timed(() => dataSource.query('select sleep(3) as slept'));
      expect(outcome.status, String(outcome.error)).toBe('fulfilled');
      expect(outcome.ms).toBeGreaterThanOrEqual(2_900);
    } finally {
      await dataSource.destroy();
    }
  });
});
