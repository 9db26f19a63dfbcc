import { type GoneAwayEvent, isCommitOutcomeUnknown } from '@goneaway/core';
import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ExactlyOnceSubject, MYSQL2, type OpenedSubject, PRISMA, TYPEORM_1 } from './adapters.js';
import {
  describeWithOwnServer,
  isCommit,
  isolateAt,
  ledgerRows,
  ledgerRowsOnceCommitted,
  settle,
  sleep,
  startLedgerServer,
  waitFor,
} from './support.js';

// Issue 12's case 5 on every adapter: the server crashes (SIGKILL) while a lost COMMIT is being
// resolved. The moment COMMIT is sent, the proxy cuts every other connection and refuses new ones,
// so the resolution cannot reach the server until it is back: it waits within the budget, then decides.
const DOWN_MS = 1_000;
const BUDGET_MS = 30_000;
const CLIENT_TIMEOUT_MS = 400;
const SUBJECTS: readonly ExactlyOnceSubject[] = [MYSQL2, TYPEORM_1, PRISMA];

describeWithOwnServer(
  'exactly-once on every adapter: the server restarts while the outcome is resolved',
  () => {
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

    const resolved = (events: readonly GoneAwayEvent[]) =>
      events.flatMap((event) => (event.type === 'commit-resolved' ? [event] : []));

    describe.each(SUBJECTS)('$name', (subject) => {
      const key = (name: string) => `${subject.tag}-${name}`;
      let opened: OpenedSubject | undefined;
      afterEach(async () => {
        await opened?.close();
        opened = undefined;
      });

      it('control: without the option, a COMMIT lost while the server is unreachable answers CommitOutcomeUnknownError at once, nothing retried', async () => {
        const budgetMs = 10_000;
        const db = await subject.open(server, proxy, { goneaway: { outageBudgetMs: budgetMs } });
        opened = db;
        const isolation = isolateAt(proxy, isCommit, 'forward-then-reset');
        const started = performance.now();
        const { error } = await settle(
          db.withTransactionRetry(async (insert) => {
            await insert(key('unreachable-control'), 10);
          }),
        );
        const elapsed = performance.now() - started;
        expect(isolation.fired()).toBe(true);
        expect(isCommitOutcomeUnknown(error)).toBe(true);
        // Nothing after a lost COMMIT needs the server (a ROLLBACK of the lost transaction has nothing to
        // do on another session): nothing was retried, so the caller did not wait for the server.
        expect(db.events.filter((event) => event.type === 'retry')).toEqual([]);
        expect(elapsed).toBeLessThan(budgetMs / 2);
        proxy.refuseNew(false);
        expect(await ledgerRowsOnceCommitted(server, key('unreachable-control'))).toBe(1);
      });

      it('COMMIT applied, reply lost, server crashes and comes back: resolved as committed after the restart', async () => {
        const db = await subject.open(server, proxy, { goneaway: { outageBudgetMs: BUDGET_MS } });
        opened = db;
        let runs = 0;
        const isolation = isolateAt(proxy, isCommit, 'forward-then-reset');
        let settledAt = Number.POSITIVE_INFINITY;
        const call = settle(
          db.withTransactionRetry(
            async (insert) => {
              runs++;
              await insert(key('restart-committed'), 10);
              return 'transferred';
            },
            { commitMarker: true },
          ),
        ).finally(() => {
          settledAt = performance.now();
        });
        // The COMMIT ran (durably: innodb_flush_log_at_trx_commit = 1) before the crash.
        await waitFor(
          async () => isolation.fired() && (await ledgerRows(server, key('restart-committed'))) === 1,
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
        expect(await ledgerRows(server, key('restart-committed'))).toBe(1);
        const [event] = resolved(db.events);
        expect(event?.outcome).toBe('committed');
        expect(event?.elapsedMs).toBeGreaterThanOrEqual(DOWN_MS);
        expect(event?.elapsedMs).toBeLessThan(BUDGET_MS);
        // Nothing to KILL: the old session died with the server.
        expect(db.commitMarkerStats()).toMatchObject({ kills: 0, resolvedCommitted: 1, unresolved: 0 });
      });

      it('COMMIT stuck in the network, session alive, server crashes: recovery rolls it back, it runs again once, no KILL after the restart', async () => {
        const db = await subject.open(server, proxy, {
          goneaway: { outageBudgetMs: BUDGET_MS },
          clientTimeoutMs: CLIENT_TIMEOUT_MS,
        });
        opened = db;
        let runs = 0;
        const isolation = isolateAt(proxy, isCommit, { holdMs: 120_000 });
        const call = settle(
          db.withTransactionRetry(
            async (insert) => {
              runs++;
              await insert(key('restart-rolled-back'), 10);
              return runs;
            },
            { commitMarker: true },
          ),
        );
        await waitFor(isolation.fired, 'COMMIT to be sent');
        await sleep(CLIENT_TIMEOUT_MS + 300);
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
        expect(await ledgerRows(server, key('restart-rolled-back'))).toBe(1);
        expect(resolved(db.events).map((event) => event.outcome)).toEqual(['rolled-back']);
        // Connection ids start again after a restart: the old id may name someone else's session now.
        expect(db.commitMarkerStats()).toMatchObject({ kills: 0, resolvedRolledBack: 1, unresolved: 0 });
      });
    });
  },
);
