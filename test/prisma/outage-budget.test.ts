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
  type Timed,
  timed,
} from '../core/outage-budget-support.js';
import {
  clientFor,
  codeOf,
  type ExamplePrismaClient,
  generatePrismaClient,
  type PrismaClientConstructor,
  type Side,
} from './support.js';

/** mariadb waits this long for a pooled connection (its acquireTimeout) before failing the call. */
const ACQUIRE_TIMEOUT_MS = 5_500;

// outageBudgetMs bounds the caller's whole wait for a connection, a connect in flight included:
// against a host that accepts TCP and never greets (a blackholed old primary) and a refused port.
describe('prisma: the outage budget bounds the wait', () => {
  let silent: Host;
  let refused: Host;
  let PrismaClient: PrismaClientConstructor;

  beforeAll(async () => {
    const [s, r, generated] = await Promise.all([silentHost(), refusedPort(), generatePrismaClient()]);
    silent = s;
    refused = r;
    PrismaClient = generated.PrismaClient;
  });
  afterAll(async () => {
    await Promise.all([silent?.close(), refused?.close()]);
  });

  /** A client on `host`, the mariadb pool's own timeouts longer than the budget; `call` runs once, timed. */
  async function once(side: Side, host: Host, call: (prisma: ExamplePrismaClient) => Promise<unknown>) {
    const { prisma } = clientFor(
      PrismaClient,
      side,
      {
        ...settingsFor(host),
        connectionLimit: 2,
        connectTimeout: CONNECT_TIMEOUT_MS,
        acquireTimeout: ACQUIRE_TIMEOUT_MS,
      },
      OUTAGE_OPTIONS,
    );
    try {
      return await timed(() => call(prisma));
    } finally {
      await prisma.$disconnect().catch(() => undefined);
    }
  }

  const CALLS: ReadonlyArray<readonly [string, (prisma: ExamplePrismaClient) => Promise<unknown>]> = [
    ['$queryRawUnsafe', (prisma) => prisma.$queryRawUnsafe('select 1')],
    ['item.count', (prisma) => prisma.item.count()],
    ['$transaction', (prisma) => prisma.$transaction((tx) => tx.item.count())],
  ];

  async function eachCall(host: Host): Promise<Array<[string, Timed]>> {
    return Promise.all(
      CALLS.map(async ([what, call]): Promise<[string, Timed]> => [what, await once('goneaway', host, call)]),
    );
  }

  it('goneaway, a silent host: a raw query, a model query and a transaction reject with GONEAWAY_UNAVAILABLE within the budget', async () => {
    for (const [what, outcome] of await eachCall(silent)) {
      expectUnavailableWithinBudget(outcome, what);
      // The adapter factory keeps its settings private and mariadb reports a failed connect only
      // after its own timeouts: the message can say what failed, not where (README: What it does).
      expectMessageNames(outcome, 'connect-failed ETIMEDOUT');
    }
  });

  it("bare adapter (control), a silent host: the call waits for mariadb's own timeouts", async () => {
    const outcome = await once('bare', silent, (prisma) => prisma.$queryRawUnsafe('select 1'));
    expect(outcome.status).toBe('rejected');
    expect(outcome.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 100);
    expect(String((outcome.error as Error).message)).not.toContain(SECRET);
  });

  it('goneaway, a refused port: waited out within the budget', async () => {
    for (const [what, outcome] of await eachCall(refused)) {
      expectUnavailableWithinBudget(outcome, what);
      expectMessageNames(outcome, 'connect-failed');
    }
  });

  it('bare adapter (control), a refused port: the call waits for the acquire timeout', async () => {
    const outcome = await once('bare', refused, (prisma) => prisma.$queryRawUnsafe('select 1'));
    expect(outcome.status).toBe('rejected');
    console.info(
      `bare prisma, refused port: ${String(codeOf(outcome.error))} after ${Math.round(outcome.ms)} ms`,
    );
    expect(outcome.ms).toBeGreaterThan(BUDGET_MS);
  });

  it.each([
    ['goes silent', (host: SwitchableHost) => host.goSilent()],
    ['refuses connects', (host: SwitchableHost) => host.refuse()],
  ])(
    'goneaway, a pool already connected whose server %s (a failover): GONEAWAY_UNAVAILABLE within the budget, then fast',
    async (_what, fail) => {
      const server = sharedServer();
      const host = await switchableHost(server.port);
      const { prisma } = clientFor(
        PrismaClient,
        'goneaway',
        {
          ...server.connection,
          host: host.host,
          port: host.port,
          connectionLimit: 2,
          connectTimeout: CONNECT_TIMEOUT_MS,
        },
        OUTAGE_OPTIONS,
      );
      try {
        expect(await prisma.$queryRawUnsafe('select 1 as one')).toEqual([{ one: 1 }]);
        await fail(host);
        const outcome = await timed(() => prisma.$queryRawUnsafe('select 1'));
        expectUnavailableWithinBudget(outcome, _what);
        console.info(`prisma, the server ${_what}: ${String((outcome.error as Error).message).trim()}`);
        // The budget is spent: the circuit is open, and the next call says it waited (almost) nothing.
        const fast = await timed(() => prisma.$queryRawUnsafe('select 1'));
        expect(codeOf(fast.error)).toBe('GONEAWAY_UNAVAILABLE');
        expect(fast.ms).toBeLessThan(500);
      } finally {
        await prisma.$disconnect();
        await host.close();
      }
    },
  );

  it('goneaway: a statement longer than the budget on an established connection is never cut off', async () => {
    const { prisma } = clientFor(
      PrismaClient,
      'goneaway',
      { ...sharedServer().connection, connectionLimit: 1 },
      { outageBudgetMs: 1_000 },
    );
    try {
      const outcome = await timed(() => prisma.$queryRawUnsafe('select sleep(3) as slept'));
      expect(outcome.status, String(outcome.error)).toBe('fulfilled');
      expect(outcome.ms).toBeGreaterThanOrEqual(2_900);
    } finally {
      await prisma.$disconnect();
    }
  });
});
