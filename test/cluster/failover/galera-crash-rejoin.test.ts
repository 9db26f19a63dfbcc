import {
  goneAway,
  type GoneAwayEvent as KnexEvent,
  stats as knexStats,
  subscribeTo as subscribeToKnex,
} from '@goneaway/knex';
import {
  goneAwayMysql2,
  type GoneAwayEvent as Mysql2Event,
  stats as mysql2Stats,
  subscribeTo as subscribeToMysql2,
} from '@goneaway/mysql2';
import knex from 'knex';
import mysql2, { type PoolNamespace, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type GaleraCluster,
  type GaleraNode,
  galeraUnavailableReason,
  noControlReason,
  startGaleraCluster,
} from '../../harness/src/index.js';
import {
  describeMix,
  failuresOf,
  firstInsertAfter,
  runWorkload,
  sleep,
  storedOn,
  TRANSACTION_FAILOVER_CODES,
  type WorkloadCalls,
  type WorkloadReport,
  waitUntil,
} from './failover-workload.js';
import { poolTransactionOperations } from './mysql2-workload.js';
import { knexCalls } from './replication-clients.js';

/**
 * Issue #17 on a 3-node Galera cluster under load (reads, inserts, 2-insert transactions):
 * - the writer node SIGKILLed: every failed transaction ends with one typed error, no acknowledged
 *   write is lost, the pool works on; then the node is started again and the monitor's view of it is
 *   recorded while it rejoins;
 * - the writer desynced (wsrep_desync=ON, as a donor is), isolated and let back in still desynced
 *   (it rejoins Joining / Donor-Desynced): from the detection until wsrep_desync=OFF the application
 *   runs no write or commit there (USER_STATISTICS) and no read is answered there; once Synced it is
 *   the writer again (lowest wsrep_local_index), and the writer-changed sequence says so.
 * Beside bare mysql2 PoolCluster (ORDER, restoreNodeTimeout 1 s), which the issue measured sending
 * traffic back to a node before it is Synced: its numbers are measured and printed, not asserted.
 */

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`Galera crash and rejoin tests skipped: ${skipReason}`);

const WORKERS = 16;

interface TimedEvent {
  readonly at: number;
  readonly event: KnexEvent | Mysql2Event;
}

interface ClusterClient {
  readonly label: string;
  readonly calls: WorkloadCalls;
  readonly events: TimedEvent[];
  readonly rollbackFailures: Map<string, number>;
  stats(): unknown;
  end(): Promise<void>;
}

const galeraOptions = (cluster: GaleraCluster) => ({
  hosts: cluster.nodes.map((node) => `${node.host}:${node.port}`),
  flavor: 'galera' as const,
  probeIntervalMs: 250,
  probeTimeoutMs: 1_000,
});

function knexClient(cluster: GaleraCluster): ClusterClient {
  const db = knex(
    goneAway(
      { client: 'mysql2', connection: { ...cluster.node(1).connection }, pool: { min: 0, max: 8 } },
      { name: 'galera-knex', outageBudgetMs: 30_000, cluster: galeraOptions(cluster) },
    ),
  );
  const events: TimedEvent[] = [];
  subscribeToKnex(db, (event) => events.push({ at: performance.now(), event }));
  return {
    label: 'knex + goneaway',
    calls: knexCalls(db),
    events,
    rollbackFailures: new Map(),
    stats: () => knexStats(db).evictions,
    end: () => db.destroy(),
  };
}

function mysql2Client(cluster: GaleraCluster): ClusterClient {
  const pool = goneAwayMysql2(mysql2, {
    name: 'galera-mysql2',
    outageBudgetMs: 30_000,
    cluster: galeraOptions(cluster),
  }).createPool({ ...cluster.node(1).connection, connectionLimit: 8 });
  const events: TimedEvent[] = [];
  subscribeToMysql2(pool, (event) => events.push({ at: performance.now(), event }));
  const rollbackFailures = new Map<string, number>();
  return {
    label: 'mysql2 + goneaway',
    calls: poolTransactionOperations(pool, 'goneaway.t', rollbackFailures),
    events,
    rollbackFailures,
    stats: () => mysql2Stats(pool).evictions,
    end: () => pool.end(),
  };
}

/** Bare mysql2 PoolCluster over every node, node1 first (ORDER): reads, inserts, transactions. */
function poolClusterCalls(namespace: PoolNamespace): WorkloadCalls {
  return {
    read: async () => {
      const [rows] = await namespace.query<RowDataPacket[]>('SELECT @@port AS port');
      return Number(rows[0]?.port);
    },
    insert: (id) => namespace.query("INSERT INTO goneaway.t (id, note) VALUES (?, 'workload')", [id]),
    transaction: async (ids) => {
      const connection = await namespace.getConnection();
      try {
        await connection.beginTransaction();
        for (const id of ids)
          await connection.query("INSERT INTO goneaway.t (id, note) VALUES (?, 'tx')", [id]);
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
  };
}

/**
 * What the application user ran on `node` (information_schema.USER_STATISTICS, `userstat` on): its
 * writes and commits, and the connections it opened. Replicated write sets are applied by system
 * threads, so unlike Com_insert / Com_commit these count only statements clients sent to this node.
 */
async function applicationStatements(node: GaleraNode): Promise<{ writes: number; connections: number }> {
  const [row] = await node.query<{ writes: number; connections: number }>(
    "SELECT UPDATE_COMMANDS + COMMIT_TRANSACTIONS AS writes, TOTAL_CONNECTIONS AS connections FROM information_schema.USER_STATISTICS WHERE USER = 'goneaway'",
  );
  return { writes: Number(row?.writes ?? 0), connections: Number(row?.connections ?? 0) };
}

function keyOf(node: GaleraNode): string {
  return `${node.host}:${node.port}`;
}

/** performance.now() of the first event (from index `from`) that matches. */
async function eventAt(
  client: ClusterClient,
  from: number,
  what: string,
  matches: (event: KnexEvent | Mysql2Event) => boolean,
  timeoutMs = 60_000,
): Promise<number> {
  await waitUntil(what, () => client.events.slice(from).some((timed) => matches(timed.event)), timeoutMs);
  return client.events.slice(from).find((timed) => matches(timed.event))?.at as number;
}

/** The monitor's states of `node` and the writer changes, in order, with times relative to `since`. */
function sequence(client: ClusterClient, from: number, since: number, nodes: readonly GaleraNode[]): string {
  const name = (key: unknown) => nodes.find((node) => keyOf(node) === key)?.name ?? String(key);
  return client.events
    .slice(from)
    .filter(({ event }) => event.type === 'writer-changed' || event.type === 'host-state-changed')
    .map(({ at, event }) =>
      event.type === 'writer-changed'
        ? `+${Math.round(at - since)} ms writer ${name(event.from)}→${name(event.to)}`
        : event.type === 'host-state-changed'
          ? `+${Math.round(at - since)} ms ${name(event.host)} ${event.from}→${event.to}`
          : '',
    )
    .join('; ');
}

/** Each failed transaction ended with one typed error, and a writer change happened while it ran. */
function expectTypedTransactions(client: ClusterClient, report: WorkloadReport): void {
  const changes = client.events.filter(({ event }) => event.type === 'writer-changed').map(({ at }) => at);
  for (const failure of report.failureLog.filter((entry) => entry.operation === 'transaction')) {
    expect(TRANSACTION_FAILOVER_CODES).toContain(failure.code);
    expect(changes.some((at) => at > failure.startedAt)).toBe(true);
  }
  for (const code of failuresOf(report, 'insert').keys()) expect(code).toMatch(/^GONEAWAY_/);
  for (const code of failuresOf(report, 'read').keys()) expect(code).toMatch(/^GONEAWAY_/);
  for (const code of client.rollbackFailures.keys()) expect(code).toMatch(/^GONEAWAY_/);
}

/** Every acknowledged insert and committed transaction once on `node`; no row of a lost transaction. */
async function expectNothingLost(node: GaleraNode, report: WorkloadReport): Promise<string> {
  const committed = report.transactions.flat();
  const lost = report.failureLog
    .filter((failure) => failure.code === 'GONEAWAY_TRANSACTION_LOST')
    .flatMap((failure) => failure.ids);
  const [inserts, transactional, lostStored] = await Promise.all([
    storedOn(node, report.inserts),
    storedOn(node, committed),
    storedOn(node, lost),
  ]);
  expect(inserts).toBe(report.inserts.length);
  expect(transactional).toBe(committed.length);
  expect(lostStored).toBe(0);
  return `${inserts} of ${report.inserts.length} acknowledged inserts and ${transactional / 2} of ${committed.length / 2} committed transactions on ${node.name}`;
}

describe.skipIf(skipReason !== undefined)('a 3-node Galera cluster: the writer crashes, rejoins', () => {
  let cluster: GaleraCluster;

  beforeAll(async () => {
    cluster = await startGaleraCluster({ nodes: 3 });
    await cluster
      .node(1)
      .query('CREATE TABLE goneaway.t (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB');
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  /** The node running again (if killed), out of isolation and desync, every node Synced. */
  async function healed(node: GaleraNode): Promise<void> {
    if (!node.running) await node.start({ timeoutMs: 120_000 });
    await node.rejoin().catch(() => undefined);
    await node.desync(false).catch(() => undefined);
    await cluster.waitForSynced({ timeoutMs: 120_000 });
  }

  async function writerOf(client: ClusterClient): Promise<GaleraNode> {
    await client.calls.read();
    // The monitor elects from every host's answer: let the first probes of all three come in.
    await sleep(1_500);
    const port = await client.calls.read();
    const writer = cluster.nodes.find((node) => node.port === port);
    expect(writer).toBeDefined();
    return writer as GaleraNode;
  }

  let firstId = 1;
  const ids = () => {
    firstId += 1_000_000;
    return firstId;
  };

  for (const create of [knexClient, mysql2Client]) {
    it(`${create === knexClient ? 'knex' : 'mysql2'} + goneaway: the writer SIGKILLed under ${WORKERS} workers with transactions — one typed error per failed transaction, no acknowledged write lost, the pool works on; started again, no read reaches it before the monitor sees it Synced`, async () => {
      const client = create(cluster);
      let writer: GaleraNode | undefined;
      try {
        writer = await writerOf(client);
        const workload = runWorkload(client.calls, ids(), WORKERS, { separateReadsAndWrites: true });
        await sleep(1_000);
        const seen = client.events.length;
        const killedAt = performance.now();
        await writer.kill();
        const dead = writer;
        const detectedAt = await eventAt(
          client,
          seen,
          'writer-changed away from the killed node',
          (event) => event.type === 'writer-changed' && event.to !== undefined && event.to !== keyOf(dead),
        );
        await sleep(2_000);
        const crash = { ...workload.report, failureLog: [...workload.report.failureLog] };
        const crashTransactions = crash.failureLog.filter((failure) => failure.operation === 'transaction');
        // Started again: it rejoins (IST). Reads are recorded by port from now on.
        workload.markAfter();
        const seenRestart = client.events.length;
        const restartedAt = performance.now();
        const timeline: string[] = [];
        let polling = true;
        const poll = (async () => {
          let last = '';
          while (polling) {
            const status = await dead.status();
            const now = `${status.reachable ? `state ${status.localState} ${status.clusterStatus}` : 'unreachable'}`;
            if (now !== last) timeline.push(`+${Math.round(performance.now() - restartedAt)} ms ${now}`);
            last = now;
            await sleep(100);
          }
        })();
        await dead.start({ timeoutMs: 120_000 });
        const upAt = await eventAt(
          client,
          seenRestart,
          'the monitor to see the restarted node up',
          (event) => event.type === 'host-state-changed' && event.host === keyOf(dead) && event.to === 'up',
          30_000,
        );
        await sleep(3_000);
        polling = false;
        await poll;
        const report = await workload.stop();
        await cluster.waitForSynced({ timeoutMs: 60_000 });
        const survivor = cluster.nodes.find((node) => node !== dead) as GaleraNode;
        const stored = await expectNothingLost(survivor, report);
        const firstOnRestarted = report.portsAfterAt.get(dead.port);
        console.info(
          `[galera] ${client.label}, writer ${dead.name} SIGKILLed, ${WORKERS} workers (half reading, half writing with transactions): writer-changed ${Math.round(detectedAt - killedAt)} ms after the kill, ` +
            `first acknowledged insert ${firstInsertAfter(report, detectedAt)} ms after it (Galera's eviction stall), longest read gap ${report.maxReadGapMs} ms; ` +
            `in the 2 s after it ${crashTransactions.length} transactions failed (${JSON.stringify(crashTransactions.map((failure) => failure.code))}); ` +
            `restarted: its states ${timeline.join(', ')}; monitor ${sequence(client, seenRestart, restartedAt, cluster.nodes)}; ` +
            `monitor saw it up ${Math.round(upAt - restartedAt)} ms after the start began; first read it answered ${firstOnRestarted === undefined ? 'none (not the writer)' : `+${Math.round(firstOnRestarted - restartedAt)} ms`}; ` +
            `whole run: ${describeMix(report)}; rollback failures ${JSON.stringify(Object.fromEntries(client.rollbackFailures))}; ${stored}; evictions ${JSON.stringify(client.stats())}`,
        );
        expectTypedTransactions(client, report);
        // Nothing is sent to the restarted node before the monitor saw it Synced and writable.
        if (firstOnRestarted !== undefined) expect(firstOnRestarted).toBeGreaterThan(upAt);
        // The same pool, no restart: a new transaction commits.
        await client.calls.transaction?.([ids(), ids()]);
        expect(report.reads).toBeGreaterThan(0);
      } finally {
        await client.end();
        if (writer !== undefined) await healed(writer);
      }
    }, 300_000);
  }

  for (const create of [knexClient, mysql2Client]) {
    it(`${create === knexClient ? 'knex' : 'mysql2'} + goneaway: the writer desynced, isolated, then let back in still desynced — no statement lands on it while it is not Synced; once Synced it is the writer again`, async () => {
      const client = create(cluster);
      let writer: GaleraNode | undefined;
      try {
        writer = await writerOf(client);
        const out = writer;
        await out.query('SET GLOBAL userstat = 1');
        const workload = runWorkload(client.calls, ids(), 8, { separateReadsAndWrites: true });
        await sleep(1_000);
        const seen = client.events.length;
        const desyncedAt = performance.now();
        // Desynced first (the state a donor is in during a state transfer; SET wsrep_desync is refused
        // outside the primary component), then cut off and let back in, still desynced.
        await out.desync(true);
        const detectedAt = await eventAt(
          client,
          seen,
          'writer-changed away from the desynced node',
          (event) => event.type === 'writer-changed' && event.to !== undefined && event.to !== keyOf(out),
        );
        // Statements begun before the detection may still finish there: counting starts once they have.
        await sleep(500);
        workload.markAfter();
        const atDetection = await applicationStatements(out);
        await out.isolate();
        await out.waitForState((status) => status.reachable && status.clusterStatus !== 'Primary', 60_000);
        await out.rejoin();
        let back = await out.waitForState(
          (status) => status.clusterStatus === 'Primary' && status.clusterSize === cluster.size,
          90_000,
        );
        const desyncKept = back.desync;
        if (!desyncKept) {
          await out.desync(true);
          back = await out.status();
        }
        // Back in the primary component, desynced: a node a bare client would use again.
        await sleep(4_000);
        const beforeSync = await applicationStatements(out);
        const seenSync = client.events.length;
        const syncedAt = performance.now();
        await out.desync(false);
        await out.waitForState({ localState: 4, desync: false }, 60_000);
        const writerBackAt = await eventAt(
          client,
          seenSync,
          'writer-changed back to the node with the lowest wsrep_local_index',
          (event) => event.type === 'writer-changed' && event.to === keyOf(out),
          30_000,
        ).catch(() => undefined);
        await sleep(2_000);
        const report = await workload.stop();
        const firstOnOut = report.portsAfterAt.get(out.port);
        const stored = await expectNothingLost(out, report);
        const sentWhileOut = beforeSync.writes - atDetection.writes;
        console.info(
          `[galera] ${client.label}, writer ${out.name} desynced, isolated, rejoined: writer-changed ${Math.round(detectedAt - desyncedAt)} ms after wsrep_desync=ON; wsrep_desync ${desyncKept ? 'kept' : 'lost, set again'} across the isolation; ` +
            `back in the primary component in state ${back.localState} (${back.localStateComment}), wsrep_desync ${back.desync ? 'ON' : 'OFF'}; ` +
            `from 500 ms after the detection to wsrep_desync=OFF (${Math.round(syncedAt - detectedAt - 500)} ms) the application user ran ${sentWhileOut} write statements/commits and opened ${beforeSync.connections - atDetection.connections} connections (the monitor's probe included) there; ` +
            `after wsrep_desync=OFF: ${writerBackAt === undefined ? 'no writer-changed back to it within 30 s' : `writer-changed back to it after ${Math.round(writerBackAt - syncedAt)} ms`}; ` +
            `first read it answered ${firstOnOut === undefined ? 'none' : `+${Math.round(firstOnOut - syncedAt)} ms`} after wsrep_desync=OFF; ` +
            `monitor ${sequence(client, seen, desyncedAt, cluster.nodes)}; ${describeMix(report)}; ${stored}; evictions ${JSON.stringify(client.stats())}`,
        );
        expect(back.localState !== 4 || back.desync).toBe(true);
        // Nothing reached it while it was not Synced and writable: no write, no commit, no read.
        expect(sentWhileOut).toBe(0);
        if (firstOnOut !== undefined) expect(firstOnOut).toBeGreaterThan(syncedAt);
        // Synced again, it has the lowest index again: every pool's writer, and reads reach it.
        expect(writerBackAt).toBeDefined();
        expect(firstOnOut).toBeDefined();
        expectTypedTransactions(client, report);
      } finally {
        await client.end();
        if (writer !== undefined) await healed(writer);
      }
    }, 300_000);
  }

  it('bare mysql2 PoolCluster (control, ORDER, restoreNodeTimeout 1 s): node1 isolated, then let back in desynced — measured: its errors and the statements it sends node1 before it is Synced', async () => {
    const poolCluster = mysql2.createPoolCluster({ restoreNodeTimeout: 1_000, defaultSelector: 'ORDER' });
    for (const node of cluster.nodes) poolCluster.add(node.name, { ...node.connection, connectionLimit: 8 });
    const node = cluster.node(1);
    try {
      const calls = poolClusterCalls(poolCluster.of('*', 'ORDER'));
      await calls.read();
      await node.query('SET GLOBAL userstat = 1');
      const workload = runWorkload(calls, ids(), 8, { separateReadsAndWrites: true });
      await sleep(1_000);
      await node.desync(true);
      await node.isolate();
      await node.waitForState((status) => status.reachable && status.clusterStatus !== 'Primary', 60_000);
      await sleep(2_000);
      const isolatedReport = { failures: new Map(workload.report.failures) };
      await node.rejoin();
      let back = await node.waitForState(
        (status) => status.clusterStatus === 'Primary' && status.clusterSize === cluster.size,
        90_000,
      );
      if (!back.desync) {
        await node.desync(true);
        back = await node.status();
      }
      workload.markAfter();
      const atHold = await applicationStatements(node);
      await sleep(4_000);
      const sentDuringHold = (await applicationStatements(node)).writes - atHold.writes;
      await node.desync(false);
      await node.waitForState({ localState: 4 }, 60_000);
      await sleep(1_000);
      const report = await workload.stop();
      console.info(
        `[galera] bare mysql2 PoolCluster, node1 isolated then back desynced (state ${back.localState}): failures while isolated ${JSON.stringify(Object.fromEntries(isolatedReport.failures))}; ` +
          `write statements and commits the application ran on node1 while it was desynced (4 s): ${sentDuringHold}; ports answering reads meanwhile ${JSON.stringify([...report.portsAfter])}; whole run: ${describeMix(report)}`,
      );
      expect(report.reads + report.inserts.length).toBeGreaterThan(0);
    } finally {
      await poolCluster.end();
      await healed(node);
    }
  }, 300_000);

  it('bare mysql2 PoolCluster (control, ORDER, restoreNodeTimeout 1 s): node1 SIGKILLed and started again — measured: its errors and the reads node1 answers before it is Synced', async () => {
    const poolCluster = mysql2.createPoolCluster({ restoreNodeTimeout: 1_000, defaultSelector: 'ORDER' });
    for (const node of cluster.nodes) poolCluster.add(node.name, { ...node.connection, connectionLimit: 8 });
    const node = cluster.node(1);
    try {
      const calls = poolClusterCalls(poolCluster.of('*', 'ORDER'));
      await calls.read();
      const workload = runWorkload(calls, ids(), WORKERS, { separateReadsAndWrites: true });
      await sleep(1_000);
      await node.kill();
      await sleep(3_000);
      const killedFailures = new Map(workload.report.failures);
      workload.markAfter();
      const restartedAt = performance.now();
      let syncedAt: number | undefined;
      const watching = (async () => {
        while (syncedAt === undefined && performance.now() - restartedAt < 120_000) {
          const status = await node.status();
          if (status.reachable && status.localState === 4 && status.ready) syncedAt = performance.now();
          await sleep(50);
        }
      })();
      await node.start({ timeoutMs: 120_000 });
      await watching;
      await sleep(3_000);
      const report = await workload.stop();
      const firstOnNode = report.portsAfterAt.get(node.port);
      const afterRestart = report.failureLog.filter((failure) => failure.startedAt >= restartedAt);
      const byCode = new Map<string, number>();
      for (const failure of afterRestart) byCode.set(failure.code, (byCode.get(failure.code) ?? 0) + 1);
      console.info(
        `[galera] bare mysql2 PoolCluster, node1 SIGKILLed: failures in the 3 s after ${JSON.stringify(Object.fromEntries(killedFailures))}; ` +
          `started again: Synced +${syncedAt === undefined ? '?' : Math.round(syncedAt - restartedAt)} ms, first read it answered +${firstOnNode === undefined ? 'none' : Math.round(firstOnNode - restartedAt)} ms; ` +
          `failures of operations begun after the restart began ${JSON.stringify(Object.fromEntries(byCode))}; whole run: ${describeMix(report)}`,
      );
      expect(report.reads + report.inserts.length).toBeGreaterThan(0);
    } finally {
      await poolCluster.end();
      await healed(node);
    }
  }, 300_000);
});
