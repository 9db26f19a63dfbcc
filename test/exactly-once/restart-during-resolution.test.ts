import type { GoneAwayEvent } from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  commitMarkerStats,
  describeWithOwnServer,
  isolateAt,
  ledgerRows,
  openGoneAway,
  settle,
  sleep,
  startLedgerServer,
  waitFor,
  withTransactionRetry,
} from './support.js';

// Issue 12, case 5: the server restarts (SIGKILL, a crash) while a lost COMMIT is being resolved.
// The moment COMMIT is sent, the proxy cuts every other connection and refuses new ones, so the
// resolution cannot reach the server until it is back: it must wait within the budget, then decide.
const DOWN_MS = 1_000;
const BUDGET_MS = 30_000;

describeWithOwnServer('exactly-once: the server restarts while the outcome is being resolved', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startLedgerServer();
    proxy = await startFaultProxy(server.port);
  });
  afterEach(() => {
    proxy.onClientData(undefined);
    proxy.refuseNew(false);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  /** On the first COMMIT: isolate the server from everyone else, then apply `action` to the COMMIT. */
  const isolateAtCommit = (action: 'forward-then-reset' | { holdMs: number }) =>
    isolateAt(proxy, 'COMMIT;', action);

  const resolved = (events: readonly GoneAwayEvent[]) =>
    events.flatMap((event) => (event.type === 'commit-resolved' ? [event] : []));

  it('case 5a: COMMIT applied, reply lost, server crashes and comes back: resolved as committed after the restart', async () => {
    const { db, events } = openGoneAway(server, proxy, { outageBudgetMs: BUDGET_MS });
    try {
      let runs = 0;
      const isolation = isolateAtCommit('forward-then-reset');
      let settledAt = Number.POSITIVE_INFINITY;
      const call = settle(
        withTransactionRetry(
          db,
          async (trx) => {
            runs++;
            await trx('ledger').insert({ k: 'restart-committed', amount: 10 });
            return 'transferred';
          },
          { commitMarker: true },
        ),
      ).finally(() => {
        settledAt = performance.now();
      });
      // The COMMIT ran (durably: innodb_flush_log_at_trx_commit = 1) before the crash.
      await waitFor(
        async () => isolation.fired() && (await ledgerRows(server, 'restart-committed')) === 1,
        'the COMMIT to be applied',
      );
      await server.restart({ downMs: DOWN_MS, signal: 'SIGKILL' });
      const backAt = performance.now();
      proxy.refuseNew(false);
      const { value, error } = await call;
      expect(error).toBeUndefined();
      expect(value).toBe('transferred');
      expect(runs).toBe(1);
      expect(settledAt).toBeGreaterThan(backAt);
      expect(await ledgerRows(server, 'restart-committed')).toBe(1);
      const [event] = resolved(events);
      expect(event?.outcome).toBe('committed');
      expect(event?.elapsedMs).toBeGreaterThanOrEqual(DOWN_MS);
      expect(event?.elapsedMs).toBeLessThan(BUDGET_MS);
      // Nothing to KILL: the old session died with the server.
      expect(commitMarkerStats(db)).toMatchObject({ kills: 0, resolvedCommitted: 1, unresolved: 0 });
    } finally {
      await db.destroy();
    }
  });

  it('case 5b: COMMIT stuck in the network, session alive, server crashes: recovery rolls it back, it runs again once, no KILL after the restart', async () => {
    const clientTimeoutMs = 400;
    const { db, events } = openGoneAway(server, proxy, {
      outageBudgetMs: BUDGET_MS,
      statementTimeoutMs: clientTimeoutMs,
    });
    try {
      let runs = 0;
      const isolation = isolateAtCommit({ holdMs: 120_000 });
      const call = settle(
        withTransactionRetry(
          db,
          async (trx) => {
            runs++;
            await trx('ledger').insert({ k: 'restart-rolled-back', amount: 10 });
            return runs;
          },
          { commitMarker: true },
        ),
      );
      await waitFor(isolation.fired, 'COMMIT to be sent');
      await sleep(clientTimeoutMs + 300);
      // The client gave up on COMMIT; its session is still open on the server, in its transaction.
      const [open] = await server.query<{ n: number }>(
        'select count(*) as n from information_schema.innodb_trx',
      );
      expect(Number(open?.n)).toBe(1);
      await server.restart({ downMs: DOWN_MS, signal: 'SIGKILL' });
      proxy.refuseNew(false);
      const { value, error } = await call;
      expect(error).toBeUndefined();
      expect(value).toBe(2);
      expect(runs).toBe(2);
      expect(await ledgerRows(server, 'restart-rolled-back')).toBe(1);
      expect(resolved(events).map((event) => event.outcome)).toEqual(['rolled-back']);
      // Connection ids start again after a restart: the old id may name someone else's session now.
      expect(commitMarkerStats(db)).toMatchObject({ kills: 0, resolvedRolledBack: 1, unresolved: 0 });
    } finally {
      await db.destroy();
    }
  });
});
