import { afterEach, describe, expect, it } from 'vitest';
import { canControlServers, noControlReason, type ReplicationPair } from '../../harness/src/index.js';
import {
  codeOf,
  describeMix,
  failuresOf,
  firstInsertAfter,
  runWorkload,
  sleep,
  storedOn,
  TRANSACTION_FAILOVER_CODES,
} from './failover-workload.js';
import {
  type Client,
  ownLastGtid,
  replicationClients,
  startPair,
  writerChangedTo,
  writeStatementsSent,
} from './replication-clients.js';

/**
 * Issue #17's read-only flip: `SET GLOBAL read_only=1` on the primary and no promotion (a DBA, a
 * failed switchover half done). No host can take writes: goneaway sends no write to the read-only
 * primary once its monitor saw it, a write waits within the outage budget and then fails with
 * GONEAWAY_UNAVAILABLE naming every host and its state, and `read_only=0` brings writes back on the
 * same pool, no restart. Beside the bare library, whose writes get 1290 on the same server.
 */

const skipReason = canControlServers ? undefined : noControlReason;
if (skipReason) console.info(`replication read-only flip tests skipped: ${skipReason}`);

const WORKERS = 4;
const OUTAGE_BUDGET_MS = 3_000;
/** Long enough for writes begun after the detection to spend their whole budget. */
const READ_ONLY_FOR_MS = OUTAGE_BUDGET_MS + 3_000;

describe.skipIf(skipReason !== undefined)('the primary turns read-only, no replica is promoted', () => {
  let pair: ReplicationPair | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    await client?.end();
    client = undefined;
    await pair?.stop();
    pair = undefined;
  }, 60_000);

  for (const { name, create } of replicationClients) {
    it(`${name} + goneaway: no write is sent to the read-only primary after the detection, a write waits out the budget and gets GONEAWAY_UNAVAILABLE naming both hosts, read_only=0 resumes writes without a restart`, async () => {
      pair = await startPair();
      const primary = pair.primary;
      const active = create(pair, true, { outageBudgetMs: OUTAGE_BUDGET_MS });
      client = active;
      await active.calls.read();
      await sleep(1_000);
      const workload = runWorkload(active.calls, 1, WORKERS);
      await sleep(500);
      const seen = active.events.length;
      const flippedAt = performance.now();
      await primary.query('SET GLOBAL read_only = 1');
      const detectedAt = await writerChangedTo(active, seen, undefined);
      const [gtidAtDetection, sentAtDetection] = await Promise.all([
        ownLastGtid(primary),
        writeStatementsSent(primary),
      ]);
      // A lone write, begun after the detection: it waits for a writer, then fails typed.
      const loneStartedAt = performance.now();
      const lone = await active.calls.insert(8_000_001).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      const loneWaitedMs = Math.round(performance.now() - loneStartedAt);
      await sleep(Math.max(0, READ_ONLY_FOR_MS - (performance.now() - detectedAt)));
      const [gtidBeforeFlipBack, sentBeforeFlipBack] = await Promise.all([
        ownLastGtid(primary),
        writeStatementsSent(primary),
      ]);
      const seenBack = active.events.length;
      const flippedBackAt = performance.now();
      await primary.query('SET GLOBAL read_only = 0');
      const resumedAt = await writerChangedTo(active, seenBack, primary);
      await sleep(1_500);
      const report = await workload.stop();
      const unavailable = report.failureLog.filter((failure) => failure.code === 'GONEAWAY_UNAVAILABLE');
      console.info(
        `[replication] ${active.label}, primary read_only=1 for ${Math.round(flippedBackAt - flippedAt)} ms, no promotion, budget ${OUTAGE_BUDGET_MS} ms: ` +
          `writer-changed to none ${Math.round(detectedAt - flippedAt)} ms after; write statements the primary was sent after the detection: ${sentBeforeFlipBack - sentAtDetection} ` +
          `(the test's own probes of status excluded: none are writes); lone write failed after ${loneWaitedMs} ms with ${codeOf(lone)}: ${lone?.message}; ` +
          `writer back ${Math.round(resumedAt - flippedBackAt)} ms after read_only=0, first acknowledged insert ${firstInsertAfter(report, flippedBackAt)} ms after it; ` +
          `${describeMix(report)}; of the GONEAWAY_UNAVAILABLE failures ${unavailable.filter((failure) => failure.endedAt - failure.startedAt < 100).length} came in under 100 ms (the circuit open: fail fast) and ${unavailable.filter((failure) => failure.endedAt - failure.startedAt >= OUTAGE_BUDGET_MS - 100).length} after waiting the budget; ` +
          `evictions ${JSON.stringify(active.stats())}`,
      );
      // Nothing was sent there, so nothing was written there.
      expect(sentBeforeFlipBack - sentAtDetection).toBe(0);
      expect(gtidBeforeFlipBack).toBe(gtidAtDetection);
      expect(codeOf(lone)).toBe('GONEAWAY_UNAVAILABLE');
      for (const server of pair.servers)
        expect(lone?.message).toContain(`${server.host}:${server.port} read-only`);
      expect(loneWaitedMs).toBeGreaterThanOrEqual(OUTAGE_BUDGET_MS - 100);
      // Every failure typed: the wait's end, or a transaction caught by the flip.
      for (const failure of report.failureLog) {
        expect([...TRANSACTION_FAILOVER_CODES, 'GONEAWAY_UNAVAILABLE']).toContain(failure.code);
      }
      expect(failuresOf(report, 'insert').get('GONEAWAY_UNAVAILABLE') ?? 0).toBeGreaterThan(0);
      // Only while there was no writer: every one began before the monitor saw the primary writable again.
      expect(unavailable.every((failure) => failure.startedAt < resumedAt)).toBe(true);
      // Writes resumed on the same pool: acknowledged after read_only=0, and every acknowledged one stored.
      expect(firstInsertAfter(report, flippedBackAt)).toBeDefined();
      expect(await storedOn(primary, report.inserts)).toBe(report.inserts.length);
      expect(await storedOn(primary, report.transactions.flat())).toBe(report.transactions.flat().length);
    }, 180_000);

    it(`bare ${name} (control): its writes are sent to the read-only primary and fail with 1290 until read_only=0`, async () => {
      pair = await startPair();
      const primary = pair.primary;
      const bare = create(pair, false);
      client = bare;
      await bare.calls.read();
      const workload = runWorkload(bare.calls, 1, WORKERS);
      await sleep(500);
      const flippedAt = performance.now();
      await primary.query('SET GLOBAL read_only = 1');
      const sentAtFlip = await writeStatementsSent(primary);
      await sleep(READ_ONLY_FOR_MS);
      const sentBeforeFlipBack = await writeStatementsSent(primary);
      const flippedBackAt = performance.now();
      await primary.query('SET GLOBAL read_only = 0');
      await sleep(1_500);
      const report = await workload.stop();
      console.info(
        `[replication] ${bare.label}, primary read_only=1 for ${Math.round(flippedBackAt - flippedAt)} ms, no promotion: ` +
          `write statements sent to the read-only primary ${sentBeforeFlipBack - sentAtFlip}; ` +
          `first acknowledged insert ${firstInsertAfter(report, flippedBackAt)} ms after read_only=0; ${describeMix(report)}`,
      );
      expect(sentBeforeFlipBack - sentAtFlip).toBeGreaterThan(0);
      expect(report.failures.get('ER_OPTION_PREVENTS_STATEMENT') ?? 0).toBeGreaterThan(0);
    }, 180_000);
  }
});
