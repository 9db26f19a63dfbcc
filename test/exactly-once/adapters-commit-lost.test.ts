import {
  type GoneAwayConfigError,
  type GoneAwayEvent,
  isCommitOutcomeUnknown,
  isGoneAwayConfigError,
  isTransactionLost,
} from '@goneaway/core';
import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExactlyOnceSubject,
  MYSQL2,
  type OpenedSubject,
  PRISMA,
  TYPEORM_1,
  TYPEORM_03,
} from './adapters.js';
import {
  describeWithOwnServer,
  faultOnce,
  isCommit,
  ledgerRows,
  ledgerRowsOnceCommitted,
  markerRows,
  settle,
  startLedgerServer,
} from './support.js';

// Issue 12's cases 1, 2 and 4 and its control, on every adapter beside the knex plugin: the proxy
// cuts the connection right after forwarding COMMIT (the reply is lost), right before (COMMIT never
// arrives), or during an earlier statement. With `commitMarker` the caller gets the transaction's
// own outcome; without it (the control) a lost reply is GONEAWAY_COMMIT_UNKNOWN.
const SUBJECTS: readonly ExactlyOnceSubject[] = [MYSQL2, TYPEORM_1, TYPEORM_03, PRISMA];

describeWithOwnServer('exactly-once on every adapter: a lost COMMIT is resolved by the commit marker', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startLedgerServer();
    proxy = await startFaultProxy(server.port);
    await server.query("create user 'nocreate'@'%' identified by 'nocreate-pw'");
    await server.query("grant select, insert, update, delete on goneaway.* to 'nocreate'@'%'");
  });
  afterEach(() => {
    proxy.onClientData(undefined);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  const resolved = (events: readonly GoneAwayEvent[]) =>
    events.flatMap((event) => (event.type === 'commit-resolved' ? [event.outcome] : []));

  describe.each(SUBJECTS)('$name', (subject) => {
    const key = (name: string) => `${subject.tag}-${name}`;
    let opened: OpenedSubject | undefined;
    const open = async (options?: Parameters<ExactlyOnceSubject['open']>[2]) => {
      opened = await subject.open(server, proxy, options);
      return opened;
    };
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    it('the reply to COMMIT is lost: the callback result, one row, the callback ran once', async () => {
      const db = await open();
      let runs = 0;
      const fault = faultOnce(isCommit, 'forward-then-reset');
      proxy.onClientData(fault.hook);
      const result = await db.withTransactionRetry(
        async (insert) => {
          runs++;
          await insert(key('reply-lost'), 10);
          return { transferred: 10, run: runs };
        },
        { commitMarker: true },
      );
      expect(fault.fired()).toBe(true);
      expect(result).toEqual({ transferred: 10, run: 1 });
      expect(runs).toBe(1);
      expect(await ledgerRows(server, key('reply-lost'))).toBe(1);
      expect(resolved(db.events)).toEqual(['committed']);
      expect(db.commitMarkerStats()).toMatchObject({
        resolvedCommitted: 1,
        resolvedRolledBack: 0,
        unresolved: 0,
      });
      // The confirmed marker is deleted in the background.
      await db.flushCommitMarkers();
      expect(await markerRows(server)).toBe(0);
      expect(db.commitMarkerStats()).toMatchObject({ deleteErrors: 0, pendingDeletes: 0 });
    });

    it('COMMIT never reaches the server: the transaction runs again, one row', async () => {
      const db = await open();
      let runs = 0;
      const fault = faultOnce(isCommit, 'reset');
      proxy.onClientData(fault.hook);
      const result = await db.withTransactionRetry(
        async (insert) => {
          runs++;
          await insert(key('never-arrived'), 10);
          return `run ${runs}`;
        },
        { commitMarker: true },
      );
      expect(fault.fired()).toBe(true);
      expect(result).toBe('run 2');
      expect(await ledgerRows(server, key('never-arrived'))).toBe(1);
      expect(resolved(db.events)).toEqual(['rolled-back']);
      expect(db.commitMarkerStats()).toMatchObject({ written: 2, resolvedRolledBack: 1 });
    });

    it('lost during an earlier statement: the TRANSACTION_LOST path runs it again, one row, no resolution', async () => {
      const db = await open();
      let runs = 0;
      const fault = faultOnce(key('earlier-second'), 'reset');
      proxy.onClientData(fault.hook);
      const result = await db.withTransactionRetry(
        async (insert) => {
          runs++;
          await insert(key('earlier'), -10);
          await insert(key('earlier-second'), 10);
          return runs;
        },
        { commitMarker: true },
      );
      expect(fault.fired()).toBe(true);
      expect(result).toBe(2);
      expect(await ledgerRows(server, key('earlier'))).toBe(1);
      expect(await ledgerRows(server, key('earlier-second'))).toBe(1);
      expect(resolved(db.events)).toEqual([]);
      expect(db.commitMarkerStats()).toMatchObject({
        written: 1,
        resolvedCommitted: 0,
        resolvedRolledBack: 0,
      });
    });

    it('a rolled-back COMMIT counts against maxAttempts: the last one ends in TransactionLostError, nothing committed', async () => {
      const db = await open();
      let runs = 0;
      proxy.onClientData((chunk) => (isCommit(chunk) ? 'reset' : 'forward'));
      const { error } = await settle(
        db.withTransactionRetry(
          async (insert) => {
            runs++;
            await insert(key('exhausted'), 1);
          },
          { commitMarker: true, maxAttempts: 2 },
        ),
      );
      expect(isTransactionLost(error)).toBe(true);
      expect(runs).toBe(2);
      expect(await ledgerRows(server, key('exhausted'))).toBe(0);
    });

    it('control: without the option the same lost reply rejects with CommitOutcomeUnknownError, one row', async () => {
      const db = await open();
      let runs = 0;
      const fault = faultOnce(isCommit, 'forward-then-reset');
      proxy.onClientData(fault.hook);
      const { error } = await settle(
        db.withTransactionRetry(async (insert) => {
          runs++;
          await insert(key('control'), 10);
        }),
      );
      expect(fault.fired()).toBe(true);
      expect(isCommitOutcomeUnknown(error)).toBe(true);
      expect(runs).toBe(1);
      expect(await ledgerRowsOnceCommitted(server, key('control'))).toBe(1);
    });

    it('a user without CREATE gets GoneAwayConfigError naming the privilege; the callback never runs', async () => {
      const db = await open({ credentials: { user: 'nocreate', password: 'nocreate-pw' } });
      let runs = 0;
      const table = `markers_${subject.tag}`;
      const { error } = await settle(
        db.withTransactionRetry(
          async () => {
            runs++;
          },
          { commitMarker: { table } },
        ),
      );
      expect(isGoneAwayConfigError(error)).toBe(true);
      const configError = error as GoneAwayConfigError;
      expect(configError.path).toBe('commitMarker.table');
      expect(configError.message).toContain('lacks the CREATE privilege');
      expect(configError.message).toContain(table);
      expect(configError.message).toContain('error 1142');
      expect(runs).toBe(0);
    });
  });
});
