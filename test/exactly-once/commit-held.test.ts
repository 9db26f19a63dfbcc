import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  commitMarkerStats,
  describeWithOwnServer,
  faultOnce,
  ledgerRows,
  openGoneAway,
  sleep,
  startLedgerServer,
  waitForUptime,
  withTransactionRetry,
} from './support.js';

// Issue 12, case 3: COMMIT is held in the network. The client gives up first (a 400 ms statement
// timeout destroys its socket), and the server receives the COMMIT 1.5 s after it was sent. Reading
// the marker at once races that COMMIT; the KILL-and-wait closes the race.
const HOLD_MS = 1_500;
const CLIENT_TIMEOUT_MS = 400;

describeWithOwnServer('exactly-once: a COMMIT held in the network', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startLedgerServer();
    proxy = await startFaultProxy(server.port);
    // Up long enough for the uptime to prove the server has not restarted since a marker was written.
    await waitForUptime(server, 2);
  });
  afterEach(() => {
    proxy.onClientData(undefined);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  it('case 3: the server gets COMMIT 1.5 s after the client lost the connection: still exactly one row', async () => {
    const { db } = openGoneAway(server, proxy, { statementTimeoutMs: CLIENT_TIMEOUT_MS });
    try {
      let runs = 0;
      const fault = faultOnce('COMMIT;', { holdMs: HOLD_MS });
      proxy.onClientData(fault.hook);
      const started = performance.now();
      const result = await withTransactionRetry(
        db,
        async (trx) => {
          runs++;
          await trx('ledger').insert({ k: 'held', amount: 10 });
          return runs;
        },
        { commitMarker: true },
      );
      const elapsed = performance.now() - started;
      expect(fault.fired()).toBe(true);
      // The old session sat idle in its transaction: it was KILLed, so the held COMMIT found no session.
      expect(result).toBe(2);
      expect(commitMarkerStats(db)).toMatchObject({ kills: 1, resolvedRolledBack: 1 });
      // Well after the held COMMIT was due at the server.
      await sleep(Math.max(0, HOLD_MS + 1_000 - elapsed));
      expect(await ledgerRows(server, 'held')).toBe(1);
    } finally {
      await db.destroy();
    }
  });

  it('control: a naive check that reads the row at once (no KILL, no wait) runs it again: two rows', async () => {
    const { db } = openGoneAway(server, proxy, { statementTimeoutMs: CLIENT_TIMEOUT_MS });
    try {
      let runs = 0;
      let naiveSaw: number | undefined;
      proxy.onClientData(faultOnce('COMMIT;', { holdMs: HOLD_MS }).hook);
      const started = performance.now();
      await withTransactionRetry(
        db,
        async (trx) => {
          runs++;
          await trx('ledger').insert({ k: 'naive', amount: 10 });
        },
        {
          // What an application would write by hand: look for the transaction's effect on a fresh connection.
          resolveCommitOutcome: async () => {
            const [rows] = await db.raw("select count(*) as n from ledger where k = 'naive'");
            naiveSaw = Number(rows[0].n);
            return naiveSaw > 0 ? { outcome: 'committed', value: undefined } : { outcome: 'not-committed' };
          },
        },
      );
      // It looked before the held COMMIT reached the server, so it saw nothing and ran the transaction again…
      expect(naiveSaw).toBe(0);
      expect(runs).toBe(2);
      await sleep(Math.max(0, HOLD_MS + 1_000 - (performance.now() - started)));
      // …and then the held COMMIT landed: the transfer is applied twice.
      expect(await ledgerRows(server, 'naive')).toBe(2);
    } finally {
      await db.destroy();
    }
  });
});
