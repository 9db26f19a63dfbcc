import {
  type GoneAwayEvent,
  isCommitOutcomeUnknown,
  isGoneAwayError,
  isTransactionLost,
} from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  commitMarkerStats,
  describeWithOwnServer,
  faultOnce,
  flushCommitMarkers,
  ledgerRows,
  ledgerRowsOnceCommitted,
  markerRows,
  openBare,
  openGoneAway,
  settle,
  startLedgerServer,
  withTransactionRetry,
} from './support.js';

// Issue 12, cases 1, 2, 4 and 6: the connection is cut by the proxy right after forwarding COMMIT (the
// reply is lost), right before (COMMIT never arrives), or during an earlier statement.
describeWithOwnServer('exactly-once: a lost COMMIT is resolved by the commit marker', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startLedgerServer();
    proxy = await startFaultProxy(server.port);
  });
  afterEach(() => {
    proxy.onClientData(undefined);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  type CommitResolvedEvent = Extract<GoneAwayEvent, { type: 'commit-resolved' }>;
  const resolvedEvents = (events: readonly GoneAwayEvent[]) =>
    events.filter((event): event is CommitResolvedEvent => event.type === 'commit-resolved');

  it('case 1: the reply to COMMIT is lost: resolves with the callback result, one row, the callback ran once', async () => {
    const { db, events } = openGoneAway(server, proxy);
    try {
      let runs = 0;
      const fault = faultOnce('COMMIT;', 'forward-then-reset');
      proxy.onClientData(fault.hook);
      const result = await withTransactionRetry(
        db,
        async (trx) => {
          runs++;
          await trx('ledger').insert({ k: 'case1', amount: 10 });
          return { transferred: 10, run: runs };
        },
        { commitMarker: true },
      );
      expect(fault.fired()).toBe(true);
      expect(result).toEqual({ transferred: 10, run: 1 });
      expect(runs).toBe(1);
      expect(await ledgerRows(server, 'case1')).toBe(1);
      const resolved = resolvedEvents(events);
      expect(resolved.map((event) => event.outcome)).toEqual(['committed']);
      expect(resolved[0]?.elapsedMs).toBeGreaterThanOrEqual(0);
      expect(commitMarkerStats(db)).toMatchObject({
        resolvedCommitted: 1,
        resolvedRolledBack: 0,
        unresolved: 0,
      });
      // The confirmed marker is deleted in the background.
      await flushCommitMarkers(db);
      expect(await markerRows(server)).toBe(0);
      expect(commitMarkerStats(db)).toMatchObject({ deleteErrors: 0, pendingDeletes: 0 });
    } finally {
      await db.destroy();
    }
  });

  it('case 2: COMMIT never reaches the server: the transaction runs again, one row, the call resolves', async () => {
    const { db, events } = openGoneAway(server, proxy);
    try {
      let runs = 0;
      const fault = faultOnce('COMMIT;', 'reset');
      proxy.onClientData(fault.hook);
      const result = await withTransactionRetry(
        db,
        async (trx) => {
          runs++;
          await trx('ledger').insert({ k: 'case2', amount: 10 });
          return `run ${runs}`;
        },
        { commitMarker: true },
      );
      expect(fault.fired()).toBe(true);
      expect(result).toBe('run 2');
      expect(runs).toBe(2);
      expect(await ledgerRows(server, 'case2')).toBe(1);
      expect(resolvedEvents(events).map((event) => event.outcome)).toEqual(['rolled-back']);
      await flushCommitMarkers(db);
      expect(await markerRows(server)).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('a rolled-back COMMIT counts against maxAttempts: the last one ends in TransactionLostError, nothing committed', async () => {
    const { db } = openGoneAway(server, proxy);
    try {
      let runs = 0;
      proxy.onClientData((chunk) => (chunk.includes('COMMIT;') ? 'reset' : 'forward'));
      const { error } = await settle(
        withTransactionRetry(
          db,
          async (trx) => {
            runs++;
            await trx('ledger').insert({ k: 'exhausted', amount: 1 });
          },
          { commitMarker: true, maxAttempts: 2 },
        ),
      );
      expect(isTransactionLost(error)).toBe(true);
      expect(runs).toBe(2);
      expect(await ledgerRows(server, 'exhausted')).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('case 4: lost during an earlier statement: the TRANSACTION_LOST path runs it again, one row, no resolution', async () => {
    const { db, events } = openGoneAway(server, proxy);
    try {
      let runs = 0;
      const fault = faultOnce("'case4-second'", 'reset');
      proxy.onClientData(fault.hook);
      const result = await withTransactionRetry(
        db,
        async (trx) => {
          runs++;
          await trx('ledger').insert({ k: 'case4', amount: -10 });
          await trx('ledger').insert({ k: 'case4-second', amount: 10 });
          return runs;
        },
        { commitMarker: true },
      );
      expect(fault.fired()).toBe(true);
      expect(result).toBe(2);
      expect(await ledgerRows(server, 'case4')).toBe(1);
      expect(await ledgerRows(server, 'case4-second')).toBe(1);
      expect(resolvedEvents(events)).toEqual([]);
      expect(commitMarkerStats(db)).toMatchObject({
        written: 1,
        resolvedCommitted: 0,
        resolvedRolledBack: 0,
      });
    } finally {
      await db.destroy();
    }
  });

  it('case 6 (control): without the option the same lost reply rejects with CommitOutcomeUnknownError, one row', async () => {
    const { db } = openGoneAway(server, proxy);
    try {
      let runs = 0;
      proxy.onClientData(faultOnce('COMMIT;', 'forward-then-reset').hook);
      const { error } = await settle(
        withTransactionRetry(db, async (trx) => {
          runs++;
          await trx('ledger').insert({ k: 'case6', amount: 10 });
        }),
      );
      expect(isCommitOutcomeUnknown(error)).toBe(true);
      expect(runs).toBe(1);
      expect(await ledgerRowsOnceCommitted(server, 'case6')).toBe(1);
    } finally {
      await db.destroy();
    }
  });

  it("case 6 (control): bare knex's transaction() rejects with an untyped error, one row", async () => {
    const db = openBare(server, proxy);
    try {
      proxy.onClientData(faultOnce('COMMIT;', 'forward-then-reset').hook);
      const { error } = await settle(
        db.transaction(async (trx) => {
          await trx('ledger').insert({ k: 'case6-bare', amount: 10 });
        }),
      );
      expect(error).toBeInstanceOf(Error);
      expect(isGoneAwayError(error)).toBe(false);
      expect(String((error as { code?: unknown }).code ?? '')).not.toMatch(/^GONEAWAY_/);
      expect(await ledgerRowsOnceCommitted(server, 'case6-bare')).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});
