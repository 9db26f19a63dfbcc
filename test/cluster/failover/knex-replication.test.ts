import { type GoneAwayEvent, goneAway, stats, subscribeTo } from '@goneaway/knex';
import knex, { type Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import {
  canControlServers,
  noControlReason,
  type ReplicationPair,
  startReplicationPair,
} from '../../harness/src/index.js';
import {
  describeFailures,
  runWorkload,
  sleep,
  storedOn,
  type WorkloadCalls,
  waitUntil,
} from './failover-workload.js';

if (!canControlServers) console.info(`knex replication failover tests skipped: ${noControlReason}`);

/** The workload's calls through knex: a read and an insert. */
function knexCalls(db: Knex): WorkloadCalls {
  return {
    read: async () => {
      await db('t').count({ n: '*' });
      return undefined;
    },
    insert: async (id) => {
      await db('t').insert({ id });
    },
  };
}

describe.skipIf(!canControlServers)('knex on a GTID primary/replica pair: the primary changes', () => {
  let pair: ReplicationPair | undefined;

  afterEach(async () => {
    await pair?.stop();
    pair = undefined;
  }, 60_000);

  async function startPair(): Promise<ReplicationPair> {
    const started = await startReplicationPair();
    await started.primary.query('CREATE TABLE goneaway.t (id INT PRIMARY KEY) ENGINE=InnoDB');
    await started.waitForCatchUp(30_000);
    return started;
  }

  function routedKnex(started: ReplicationPair, events: GoneAwayEvent[]): Knex {
    const [first, second] = started.servers;
    const db = knex(
      goneAway(
        { client: 'mysql2', connection: { ...started.primary.connection }, pool: { min: 0, max: 4 } },
        {
          name: 'replication',
          outageBudgetMs: 20_000,
          cluster: {
            hosts: [`127.0.0.1:${first.port}`, `127.0.0.1:${second.port}`],
            flavor: 'replication',
            probeIntervalMs: 250,
            probeTimeoutMs: 1_000,
          },
        },
      ),
    );
    subscribeTo(db, (event) => events.push(event));
    return db;
  }

  it('goneaway, a planned switchover under load: nothing fails, every acknowledged insert is on the new primary once', async () => {
    pair = await startPair();
    const events: GoneAwayEvent[] = [];
    const db = routedKnex(pair, events);
    try {
      await db('t').count({ n: '*' });
      const oldPrimary = pair.primary;
      const workload = runWorkload(knexCalls(db), 1, 4);
      await sleep(500);
      const seen = events.length;
      const switched = performance.now();
      const { writeDowntimeMs } = await pair.switchover();
      const newPrimary = pair.primary;
      expect(newPrimary.port).not.toBe(oldPrimary.port);
      await waitUntil(
        'writer-changed to the new primary',
        () =>
          events
            .slice(seen)
            .some(
              (event) => event.type === 'writer-changed' && String(event.to).endsWith(`:${newPrimary.port}`),
            ),
        30_000,
      );
      const detectedMs = Math.round(performance.now() - switched);
      await sleep(1_500);
      const report = await workload.stop();
      await pair.waitForCatchUp(30_000);
      const stored = await storedOn(newPrimary, report.inserts);
      console.info(
        `[replication] knex + goneaway, switchover (writes refused ${writeDowntimeMs} ms): writer-changed after ${detectedMs} ms; ` +
          `${report.reads} reads, ${report.inserts.length} acknowledged inserts (${stored} stored on the new primary), ` +
          `failures ${describeFailures(report)}, ` +
          `evictions ${JSON.stringify(stats(db).evictions)}`,
      );
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      expect(stored).toBe(report.inserts.length);
      expect(report.inserts.length).toBeGreaterThan(0);
      // stats(db) says where the pool writes now, and how the old primary is.
      const cluster = stats(db).cluster;
      expect(cluster?.writer).toBe(`127.0.0.1:${newPrimary.port}`);
      expect(cluster?.hosts.find((host) => host.host === `127.0.0.1:${oldPrimary.port}`)?.state).toBe(
        'read-only',
      );
      // After the switchover the pool writes to the new primary: a new insert lands there.
      await db('t').insert({ id: 1_000_000 });
      expect(await storedOn(newPrimary, [1_000_000])).toBe(1);
    } finally {
      await db.destroy();
    }
  }, 180_000);

  it('goneaway, the primary is killed and the replica promoted: the pool moves to it, and every failure is typed', async () => {
    pair = await startPair();
    const events: GoneAwayEvent[] = [];
    const db = routedKnex(pair, events);
    try {
      await db('t').count({ n: '*' });
      const workload = runWorkload(knexCalls(db), 1, 4);
      await sleep(500);
      const seen = events.length;
      const killed = performance.now();
      const { promoteMs } = await pair.killPrimaryAndPromote();
      const newPrimary = pair.primary;
      await waitUntil(
        'writer-changed to the promoted replica',
        () =>
          events
            .slice(seen)
            .some(
              (event) => event.type === 'writer-changed' && String(event.to).endsWith(`:${newPrimary.port}`),
            ),
        30_000,
      );
      const detectedMs = Math.round(performance.now() - killed);
      await sleep(1_500);
      const report = await workload.stop();
      const stored = await storedOn(newPrimary, report.inserts);
      console.info(
        `[replication] knex + goneaway, primary killed (promoted in ${promoteMs} ms): writer-changed after ${detectedMs} ms; ` +
          `${report.reads} reads, ${report.inserts.length} acknowledged inserts (${stored} on the new primary), ` +
          `failures ${describeFailures(report)}`,
      );
      // A statement in flight when the primary died may have run: typed, never a raw driver error.
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      // Semi-synchronous replication (the harness's default): every acknowledged insert reached the replica.
      expect(stored).toBe(report.inserts.length);
      await db('t').insert({ id: 2_000_000 });
      expect(await storedOn(newPrimary, [2_000_000])).toBe(1);
    } finally {
      await db.destroy();
    }
  }, 180_000);

  it('bare knex (control): pointed at the old primary, every insert after the switchover fails with 1290 (read-only)', async () => {
    pair = await startPair();
    const db = knex({
      client: 'mysql2',
      connection: { ...pair.primary.connection },
      pool: { min: 0, max: 4 },
    });
    try {
      await db('t').count({ n: '*' });
      const workload = runWorkload(knexCalls(db), 1, 4);
      await sleep(500);
      await pair.switchover();
      await sleep(1_500);
      const report = await workload.stop();
      console.info(
        `[replication] bare knex, switchover: ${report.reads} reads, ${report.inserts.length} inserts, failures ${describeFailures(report)}`,
      );
      expect(report.failures.get('ER_OPTION_PREVENTS_STATEMENT') ?? 0).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
  }, 180_000);
});
