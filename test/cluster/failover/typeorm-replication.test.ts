import { type GoneAwayEvent, goneAwayTypeorm, stats, subscribeTo } from '@goneaway/typeorm';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  type ReplicationPair,
  startReplicationPair,
} from '../../harness/src/index.js';
import { runWorkload, sleep, summary, type WorkloadOperations, waitUntil } from './mysql2-workload.js';

const skipReason = canControlServers ? undefined : noControlReason;
if (skipReason) console.info(`TypeORM replication failover tests skipped: ${skipReason}`);

function dataSourceOptions(server: MariaDBServer) {
  const { host, port, user, password, database } = server.connection;
  return { type: 'mariadb' as const, host, port, username: user, password, database, poolSize: 4 };
}

function operations(dataSource: DataSource): WorkloadOperations {
  return {
    read: async () =>
      Number(((await dataSource.query('SELECT @@port AS port')) as Array<{ port: number }>)[0]?.port),
    insert: (id) => dataSource.query("INSERT INTO goneaway.t (id, note) VALUES (?, 'typeorm')", [id]),
  };
}

describe.skipIf(skipReason !== undefined)('TypeORM on a primary/replica pair: a planned switchover', () => {
  let pair: ReplicationPair;

  beforeAll(async () => {
    pair = await startReplicationPair();
    await pair.primary.query('CREATE TABLE goneaway.t (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB');
    await pair.waitForCatchUp();
  }, 240_000);

  afterAll(async () => {
    await pair?.stop();
  }, 60_000);

  async function countOn(server: MariaDBServer, ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await server.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM goneaway.t WHERE id IN (${ids.map(() => '?').join(',')})`,
      [...ids],
    );
    return Number(rows[0]?.n);
  }

  it('goneAwayTypeorm(options, { cluster }): the DataSource follows the writer; no read-only error reaches the application, every acknowledged write is on the new primary', async () => {
    const oldPrimary = pair.primary;
    const newPrimary = pair.replica;
    const hosts = pair.servers.map((server) => `${server.host}:${server.port}`);
    const dataSource = new DataSource(
      goneAwayTypeorm(dataSourceOptions(oldPrimary), {
        name: 'switchover-typeorm',
        outageBudgetMs: 20_000,
        cluster: { hosts, flavor: 'replication', probeIntervalMs: 250, probeTimeoutMs: 1_000 },
      }),
    );
    await dataSource.initialize();
    const events: GoneAwayEvent[] = [];
    subscribeTo(dataSource, (event) => events.push(event));
    try {
      const workload = runWorkload(operations(dataSource), 1_000, 8);
      await sleep(500);
      const seenBefore = events.length;
      const startedAt = performance.now();
      await pair.switchover();
      await waitUntil(
        'a writer-changed event to the new primary',
        () =>
          events
            .slice(seenBefore)
            .some(
              (event) => event.type === 'writer-changed' && String(event.to).endsWith(`:${newPrimary.port}`),
            ),
        60_000,
      );
      const detectedMs = Math.round(performance.now() - startedAt);
      workload.markAfter();
      await sleep(2_000);
      const report = await workload.stop();
      const stored = await countOn(newPrimary, report.inserts);
      console.info(
        `[cluster] TypeORM + goneaway, planned switchover: writer-changed after ${detectedMs} ms; ${summary(report)} ` +
          `(${stored} on the new primary), evictions ${JSON.stringify(stats(dataSource).evictions)}`,
      );
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      expect(stored).toBe(report.inserts.length);
      expect(report.inserts.length).toBeGreaterThan(0);
      expect([...report.portsAfter]).toEqual([newPrimary.port]);
    } finally {
      await dataSource.destroy();
    }
  }, 180_000);

  it('bare TypeORM (control): pointed at the primary, its writes fail with 1290 once it is read-only', async () => {
    const oldPrimary = pair.primary;
    const dataSource = new DataSource(dataSourceOptions(oldPrimary));
    await dataSource.initialize();
    try {
      const workload = runWorkload(operations(dataSource), 100_000, 8);
      await sleep(500);
      await pair.switchover();
      workload.markAfter();
      await sleep(2_000);
      const report = await workload.stop();
      console.info(`[cluster] bare TypeORM, planned switchover: ${summary(report)}`);
      expect(report.failures.get('ER_OPTION_PREVENTS_STATEMENT') ?? 0).toBeGreaterThan(0);
      expect([...report.portsAfter]).toEqual([oldPrimary.port]);
    } finally {
      await dataSource.destroy();
    }
  }, 180_000);
});
