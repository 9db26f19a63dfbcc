import { isCommitOutcomeUnknown } from '@goneaway/core';
import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ExactlyOnceSubject, MYSQL2, type OpenedSubject, PRISMA, TYPEORM_1 } from './adapters.js';
import {
  describeWithOwnServer,
  faultOnce,
  isCommit,
  ledgerRows,
  settle,
  sleep,
  startLedgerServer,
  waitForUptime,
} from './support.js';

// Issue 12's case 3 on every adapter: COMMIT is held in the network. The client gives up first (its
// own 400 ms limit destroys the socket), and the server receives the COMMIT 1.5 s after it was sent.
// Reading the marker at once would race that COMMIT; the KILL-and-wait closes the race.
const HOLD_MS = 1_500;
const CLIENT_TIMEOUT_MS = 400;
const SUBJECTS: readonly ExactlyOnceSubject[] = [MYSQL2, TYPEORM_1, PRISMA];

describeWithOwnServer('exactly-once on every adapter: a COMMIT held in the network', () => {
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

  describe.each(SUBJECTS)('$name', (subject) => {
    const key = (name: string) => `${subject.tag}-${name}`;
    let opened: OpenedSubject | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    it('the server gets COMMIT 1.5 s after the client lost the connection: the old session is KILLed, exactly one row', async () => {
      const db = await subject.open(server, proxy, { clientTimeoutMs: CLIENT_TIMEOUT_MS });
      opened = db;
      let runs = 0;
      const fault = faultOnce(isCommit, { holdMs: HOLD_MS });
      proxy.onClientData(fault.hook);
      const started = performance.now();
      const result = await db.withTransactionRetry(
        async (insert) => {
          runs++;
          await insert(key('held'), 10);
          return runs;
        },
        { commitMarker: true },
      );
      const elapsed = performance.now() - started;
      expect(fault.fired()).toBe(true);
      // The old session sat idle in its transaction: it was KILLed, so the held COMMIT found no session.
      expect(result).toBe(2);
      expect(db.commitMarkerStats()).toMatchObject({ kills: 1, resolvedRolledBack: 1, unresolved: 0 });
      // Well after the held COMMIT was due at the server.
      await sleep(Math.max(0, HOLD_MS + 1_000 - elapsed));
      expect(await ledgerRows(server, key('held'))).toBe(1);
    });

    it('control: without the option the client learns nothing (CommitOutcomeUnknownError), and the held COMMIT lands later', async () => {
      const db = await subject.open(server, proxy, { clientTimeoutMs: CLIENT_TIMEOUT_MS });
      opened = db;
      proxy.onClientData(faultOnce(isCommit, { holdMs: HOLD_MS }).hook);
      const started = performance.now();
      const { error } = await settle(
        db.withTransactionRetry(async (insert) => {
          await insert(key('held-control'), 10);
        }),
      );
      expect(isCommitOutcomeUnknown(error)).toBe(true);
      // When the client gave up, nothing was committed yet: a naive check would have run it again.
      expect(await ledgerRows(server, key('held-control'))).toBe(0);
      await sleep(Math.max(0, HOLD_MS + 1_000 - (performance.now() - started)));
      expect(await ledgerRows(server, key('held-control'))).toBe(1);
    });
  });
});
