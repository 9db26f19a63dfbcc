import { afterEach, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  type ReplicationPair,
} from '../../harness/src/index.js';
import {
  describeMix,
  failuresOf,
  firstInsertAfter,
  runWorkload,
  sleep,
  storedOn,
  TRANSACTION_FAILOVER_CODES,
  type WorkloadReport,
} from './failover-workload.js';
import {
  type Client,
  ownLastGtid,
  replicationClients,
  startPair,
  writerChangedTo,
} from './replication-clients.js';

/**
 * Issue #17's guarantees for a primary/replica pair under load from 16 workers, each running reads,
 * inserts and 2-insert transactions (knex `db.transaction`; mysql2 `getConnection` + `beginTransaction`):
 * a planned switchover (0 errors for reads and new checkouts, at most one typed error per transaction
 * in flight, every acknowledged write stored once, no write on the demoted primary) and an unplanned
 * crash (SIGKILL, promote: every failed transaction one typed error, the pool works after it), each
 * beside the bare library with the same calls.
 */

const skipReason = canControlServers ? undefined : noControlReason;
if (skipReason) console.info(`replication transaction failover tests skipped: ${skipReason}`);

const WORKERS = 16;

/** What the goneaway runs must show after any failover: nothing untyped, each failure where it may be. */
function expectTypedOutcomes(client: Client, report: WorkloadReport, detectedAt: number): void {
  expect(failuresOf(report, 'read').size).toBe(0);
  for (const code of failuresOf(report, 'insert').keys()) expect(code).toMatch(/^GONEAWAY_/);
  for (const failure of report.failureLog.filter((entry) => entry.operation === 'transaction')) {
    // One typed error per transaction, and only for a transaction that was in flight when the
    // monitor saw the change: one begun after it runs on the new writer.
    expect(TRANSACTION_FAILOVER_CODES).toContain(failure.code);
    expect(failure.startedAt).toBeLessThan(detectedAt);
  }
  // The rollback after a lost transaction answers with the same typed loss, never a raw driver error.
  for (const code of client.rollbackFailures.keys()) expect(code).toMatch(/^GONEAWAY_/);
  expect(report.reads).toBeGreaterThan(0);
  expect(report.transactions.length).toBeGreaterThan(0);
}

/** Every acknowledged insert and committed transaction on `server` once; a lost transaction's rows nowhere. */
async function expectStored(server: MariaDBServer, report: WorkloadReport): Promise<string> {
  const committed = report.transactions.flat();
  const lost = report.failureLog
    .filter((failure) => failure.operation === 'transaction' && failure.code === 'GONEAWAY_TRANSACTION_LOST')
    .flatMap((failure) => failure.ids);
  const [inserts, transactional, lostStored] = await Promise.all([
    storedOn(server, report.inserts),
    storedOn(server, committed),
    storedOn(server, lost),
  ]);
  expect(inserts).toBe(report.inserts.length);
  expect(transactional).toBe(committed.length);
  // GONEAWAY_TRANSACTION_LOST is a definite rollback: none of its rows was stored.
  expect(lostStored).toBe(0);
  return `${inserts} inserts and ${transactional / 2} transactions stored on port ${server.port}, ${lostStored} rows of lost transactions`;
}

describe.skipIf(skipReason !== undefined)(
  `a primary/replica pair under load from ${WORKERS} workers with transactions`,
  () => {
    let pair: ReplicationPair | undefined;
    let client: Client | undefined;

    afterEach(async () => {
      await client?.end();
      client = undefined;
      await pair?.stop();
      pair = undefined;
    }, 60_000);

    for (const { name, create } of replicationClients) {
      it(`${name} + goneaway, planned switchover: 0 failed reads and inserts, at most one typed error per transaction in flight, every acknowledged write stored once, no write on the demoted primary`, async () => {
        pair = await startPair();
        const active = create(pair, true);
        client = active;
        await active.calls.read();
        await sleep(1_000);
        const oldPrimary = pair.primary;
        const newPrimary = pair.replica;
        const workload = runWorkload(active.calls, 1, WORKERS);
        await sleep(1_000);
        const seen = active.events.length;
        const switchedAt = performance.now();
        const switched = pair.switchover();
        const detectedAt = await writerChangedTo(active, seen, newPrimary);
        const oldPrimaryWrites = await ownLastGtid(oldPrimary);
        const { writeDowntimeMs } = await switched;
        const writableAt = performance.now();
        workload.markAfter();
        await sleep(2_000);
        const report = await workload.stop();
        await pair.waitForCatchUp(30_000);
        const stored = await expectStored(newPrimary, report);
        const inFlightAtSwitch = report.failureLog.filter(
          (failure) => failure.operation === 'transaction',
        ).length;
        console.info(
          `[replication] ${active.label}, planned switchover, ${WORKERS} workers with transactions (writes refused by the servers for ${writeDowntimeMs} ms): ` +
            `writer-changed ${Math.round(detectedAt - switchedAt)} ms after read_only=1; first acknowledged insert ${firstInsertAfter(report, writableAt)} ms after the new primary was writable; ` +
            `${describeMix(report)}; ${inFlightAtSwitch} transactions ended typed; rollback failures ${JSON.stringify(Object.fromEntries(active.rollbackFailures))}; ${stored}; ` +
            `evictions ${JSON.stringify(active.stats())}`,
        );
        expectTypedOutcomes(active, report, detectedAt);
        // A planned switchover loses no connection: a read or an insert refused as read-only runs again on the new primary.
        expect(failuresOf(report, 'insert').size).toBe(0);
        expect(inFlightAtSwitch).toBeLessThanOrEqual(report.transactionsStarted);
        // After the first detection the old primary took no write of its own (its own GTID did not move).
        expect(await ownLastGtid(oldPrimary)).toBe(oldPrimaryWrites);
        expect([...report.portsAfter]).toEqual([newPrimary.port]);
      }, 180_000);

      it(`bare ${name} (control), planned switchover with the same workload: measured`, async () => {
        pair = await startPair();
        const bare = create(pair, false);
        client = bare;
        await bare.calls.read();
        const oldPrimary = pair.primary;
        const workload = runWorkload(bare.calls, 1, WORKERS);
        await sleep(1_000);
        const ownBefore = await ownLastGtid(oldPrimary);
        const { writeDowntimeMs } = await pair.switchover();
        const writableAt = performance.now();
        await sleep(2_000);
        const report = await workload.stop();
        console.info(
          `[replication] ${bare.label}, planned switchover, ${WORKERS} workers with transactions (writes refused for ${writeDowntimeMs} ms): ` +
            `first acknowledged insert after the new primary was writable: ${firstInsertAfter(report, writableAt) ?? 'never'} ms; ${describeMix(report)}; ` +
            `old primary's own GTID ${ownBefore} → ${await ownLastGtid(oldPrimary)}`,
        );
        // It stays on the demoted primary: its writes fail there with 1290, raw.
        expect(report.failures.get('ER_OPTION_PREVENTS_STATEMENT') ?? 0).toBeGreaterThan(0);
      }, 180_000);

      it(`${name} + goneaway, the primary SIGKILLed and the replica promoted: every failed transaction one typed error, every acknowledged write on the new primary, the pool works on`, async () => {
        pair = await startPair();
        const active = create(pair, true);
        client = active;
        await active.calls.read();
        await sleep(1_000);
        const newPrimary = pair.replica;
        const workload = runWorkload(active.calls, 1, WORKERS);
        await sleep(1_000);
        const seen = active.events.length;
        const killedAt = performance.now();
        const { promoteMs } = await pair.killPrimaryAndPromote();
        const writableAt = performance.now();
        const detectedAt = await writerChangedTo(active, seen, newPrimary);
        workload.markAfter();
        await sleep(2_000);
        const report = await workload.stop();
        const stored = await expectStored(newPrimary, report);
        const typedTransactions = report.failureLog.filter((failure) => failure.operation === 'transaction');
        console.info(
          `[replication] ${active.label}, primary SIGKILLed (replica promoted ${promoteMs} ms after), ${WORKERS} workers with transactions: ` +
            `writer-changed ${Math.round(detectedAt - killedAt)} ms after the kill; first acknowledged insert ${firstInsertAfter(report, writableAt)} ms after the new primary was writable; ` +
            `${describeMix(report)}; ${typedTransactions.length} transactions ended typed; rollback failures ${JSON.stringify(Object.fromEntries(active.rollbackFailures))}; ${stored}; ` +
            `evictions ${JSON.stringify(active.stats())}`,
        );
        expectTypedOutcomes(active, report, detectedAt);
        expect([...report.portsAfter]).toEqual([newPrimary.port]);
        // The same pool, no restart: a new transaction commits on the new primary.
        await active.calls.transaction?.([9_000_001, 9_000_002]);
        expect(await storedOn(newPrimary, [9_000_001, 9_000_002])).toBe(2);
      }, 180_000);

      it(`bare ${name} (control), the primary SIGKILLed and the replica promoted: measured`, async () => {
        pair = await startPair();
        const bare = create(pair, false);
        client = bare;
        await bare.calls.read();
        const workload = runWorkload(bare.calls, 1, WORKERS);
        await sleep(1_000);
        const { promoteMs } = await pair.killPrimaryAndPromote();
        const writableAt = performance.now();
        await sleep(2_000);
        const report = await workload.stop();
        const failedAfter = report.failureLog.filter((failure) => failure.startedAt > writableAt).length;
        console.info(
          `[replication] ${bare.label}, primary SIGKILLed (promoted after ${promoteMs} ms), ${WORKERS} workers with transactions: ` +
            `${describeMix(report)}; ${failedAfter} failures of operations begun after the promotion; first acknowledged insert after it: ${firstInsertAfter(report, writableAt) ?? 'never'}`,
        );
        // Pointed at the dead primary: it never reaches the promoted replica.
        expect(failedAfter).toBeGreaterThan(0);
        expect(firstInsertAfter(report, writableAt)).toBeUndefined();
      }, 180_000);
    }
  },
);
