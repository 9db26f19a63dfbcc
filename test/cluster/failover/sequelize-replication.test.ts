import { type GoneAwayEvent, goneAwaySequelize, subscribeTo } from '@goneaway/sequelize';
import mysql2 from 'mysql2';
import { QueryTypes, Sequelize } from 'sequelize';
import { afterEach, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type MariaDBServer,
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

if (!canControlServers) console.info(`Sequelize replication failover tests skipped: ${noControlReason}`);

function sequelizeOptions(server: MariaDBServer) {
  const { host, port, user, password, database } = server.connection;
  return {
    dialect: 'mysql' as const,
    host,
    port,
    username: user,
    password,
    database,
    logging: false,
    pool: { max: 4, min: 0 },
  };
}

/** The workload's calls through Sequelize: a read and an insert. */
function sequelizeCalls(sequelize: Sequelize): WorkloadCalls {
  return {
    read: async () => {
      await sequelize.query('SELECT COUNT(*) AS n FROM t', { type: QueryTypes.SELECT });
      return undefined;
    },
    insert: async (id) => {
      await sequelize.query('INSERT INTO t (id) VALUES (?)', { replacements: [id] });
    },
  };
}

describe.skipIf(!canControlServers)('Sequelize on a GTID primary/replica pair: a planned switchover', () => {
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

  it('goneaway: nothing fails under load, every acknowledged insert is on the new primary once', async () => {
    pair = await startPair();
    const [first, second] = pair.servers;
    const events: GoneAwayEvent[] = [];
    const sequelize = new Sequelize(
      goneAwaySequelize(sequelizeOptions(pair.primary), {
        name: 'sequelize-replication',
        outageBudgetMs: 20_000,
        cluster: {
          hosts: [`127.0.0.1:${first.port}`, `127.0.0.1:${second.port}`],
          flavor: 'replication',
          probeIntervalMs: 250,
          probeTimeoutMs: 1_000,
        },
      }),
    );
    subscribeTo(sequelize, (event) => events.push(event));
    try {
      await sequelize.query('SELECT 1');
      const workload = runWorkload(sequelizeCalls(sequelize), 1, 4);
      await sleep(500);
      const seen = events.length;
      const started = performance.now();
      const { writeDowntimeMs } = await pair.switchover();
      const newPrimary = pair.primary;
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
      const detectedMs = Math.round(performance.now() - started);
      await sleep(1_500);
      const report = await workload.stop();
      const stored = await storedOn(newPrimary, report.inserts);
      console.info(
        `[replication] Sequelize + goneaway, switchover (writes refused ${writeDowntimeMs} ms): writer-changed after ${detectedMs} ms; ` +
          `${report.reads} reads, ${report.inserts.length} acknowledged inserts (${stored} on the new primary), failures ${describeFailures(report)}`,
      );
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      expect(report.failures.size).toBe(0);
      expect(stored).toBe(report.inserts.length);
      await sequelize.query('INSERT INTO t (id) VALUES (?)', { replacements: [1_000_000] });
      expect(await storedOn(newPrimary, [1_000_000])).toBe(1);
    } finally {
      await sequelize.close();
    }
  }, 180_000);

  it('bare Sequelize (control): pointed at the old primary, inserts after the switchover fail with 1290', async () => {
    pair = await startPair();
    const sequelize = new Sequelize({ ...sequelizeOptions(pair.primary), dialectModule: mysql2 });
    try {
      await sequelize.query('SELECT 1');
      const workload = runWorkload(sequelizeCalls(sequelize), 1, 4);
      await sleep(500);
      await pair.switchover();
      await sleep(1_500);
      const report = await workload.stop();
      console.info(
        `[replication] bare Sequelize, switchover: ${report.reads} reads, ${report.inserts.length} inserts, failures ${describeFailures(report)}`,
      );
      expect([...report.failures.keys()].some((code) => /ER_OPTION_PREVENTS_STATEMENT|1290/.test(code))).toBe(
        true,
      );
    } finally {
      await sequelize.close();
    }
  }, 180_000);
});
