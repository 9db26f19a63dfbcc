import {
  type GoneAwayEvent,
  goneAwayMysql2,
  stats,
  subscribeTo,
  withTransactionRetry,
} from '@goneaway/mysql2';
import mysql2, { type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  type ReplicationPair,
  startReplicationPair,
} from '../../harness/src/index.js';
import { codeOf, poolOperations, portOf, runWorkload, sleep, summary, waitUntil } from './mysql2-workload.js';

const skipReason = canControlServers ? undefined : noControlReason;
if (skipReason) console.info(`mysql2 replication failover tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('mysql2 on a primary/replica pair: a planned switchover', () => {
  let pair: ReplicationPair;

  beforeAll(async () => {
    pair = await startReplicationPair();
    await pair.primary.query('CREATE TABLE goneaway.t (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB');
    await pair.waitForCatchUp();
  }, 240_000);

  afterAll(async () => {
    await pair?.stop();
  }, 60_000);

  function clusterPool(events: GoneAwayEvent[], name: string) {
    const hosts = pair.servers.map((server) => `${server.host}:${server.port}`);
    // The pool's own host is the current primary: after the switchover only `cluster` knows better.
    const pool = goneAwayMysql2(mysql2, {
      name,
      outageBudgetMs: 20_000,
      cluster: { hosts, flavor: 'replication', probeIntervalMs: 250, probeTimeoutMs: 1_000 },
    }).createPool({ ...pair.primary.connection, connectionLimit: 4 });
    subscribeTo(pool, (event) => events.push(event));
    return pool;
  }

  /** Waits for the monitor to name `server` the writer; how long that took from `since`. */
  async function writerChangedTo(
    events: GoneAwayEvent[],
    from: number,
    server: MariaDBServer,
    since: number,
  ): Promise<number> {
    await waitUntil(
      `a writer-changed event to port ${server.port}`,
      () =>
        events
          .slice(from)
          .some((event) => event.type === 'writer-changed' && String(event.to).endsWith(`:${server.port}`)),
      60_000,
    );
    return Math.round(performance.now() - since);
  }

  /** The last GTID `server` wrote itself (its own server_id in gtid_binlog_state): it changes with each write it takes. */
  async function ownLastGtid(server: MariaDBServer): Promise<string> {
    const [row] = await server.query<{ id: number; state: string }>(
      'SELECT @@GLOBAL.server_id AS id, @@GLOBAL.gtid_binlog_state AS state',
    );
    const own = String(row?.state ?? '')
      .split(',')
      .find((gtid) => gtid.split('-')[1] === String(row?.id));
    return own ?? '';
  }

  async function countOn(server: MariaDBServer, ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await server.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM goneaway.t WHERE id IN (${ids.map(() => '?').join(',')})`,
      [...ids],
    );
    return Number(rows[0]?.n);
  }

  it('goneaway: under load, reads and writes wait out the switchover and go to the new primary; every acknowledged write is there once; no read-only error reaches the application', async () => {
    const events: GoneAwayEvent[] = [];
    const pool = clusterPool(events, 'switchover-mysql2');
    const oldPrimary = pair.primary;
    const newPrimary = pair.replica;
    try {
      await sleep(1_000);
      expect(await portOf(pool)).toBe(oldPrimary.port);
      const workload = runWorkload(poolOperations(pool, 'goneaway.t'), 1_000, 8);
      await sleep(500);
      const seenBefore = events.length;
      const startedAt = performance.now();
      const switched = pair.switchover();
      const detectedMs = await writerChangedTo(events, seenBefore, newPrimary, startedAt);
      const oldPrimaryWritesAtDetection = await ownLastGtid(oldPrimary);
      const { writeDowntimeMs } = await switched;
      workload.markAfter();
      await sleep(2_000);
      const report = await workload.stop();
      const stored = await countOn(newPrimary, report.inserts);
      // After the first detection no write landed on the old primary (it wrote no transaction of its own).
      expect(await ownLastGtid(oldPrimary)).toBe(oldPrimaryWritesAtDetection);
      console.info(
        `[cluster] mysql2 + goneaway, planned switchover (writes refused by the servers for ${writeDowntimeMs} ms): ` +
          `writer-changed after ${detectedMs} ms; ${summary(report)} (${stored} on the new primary), ` +
          `evictions ${JSON.stringify(stats(pool).evictions)}`,
      );
      // Nothing untyped reaches the application, in particular no 1290 from the read-only old primary.
      for (const code of report.failures.keys()) expect(code).toMatch(/^GONEAWAY_/);
      expect(stored).toBe(report.inserts.length);
      expect(report.inserts.length).toBeGreaterThan(0);
      // After the detection, every read was answered by the new primary.
      expect([...report.portsAfter]).toEqual([newPrimary.port]);
      expect(await portOf(pool)).toBe(newPrimary.port);
    } finally {
      await pool.end();
    }
  }, 180_000);

  it('bare mysql2 (control): pointed at the primary, its writes fail with 1290 once it is read-only', async () => {
    const oldPrimary = pair.primary;
    const pool = mysql2.createPool({ ...oldPrimary.connection, connectionLimit: 4 });
    try {
      await portOf(pool);
      const workload = runWorkload(poolOperations(pool, 'goneaway.t'), 100_000, 8);
      await sleep(500);
      await pair.switchover();
      await sleep(2_000);
      const report = await workload.stop();
      console.info(`[cluster] bare mysql2, planned switchover: ${summary(report)}`);
      expect(report.failures.get('ER_OPTION_PREVENTS_STATEMENT') ?? 0).toBeGreaterThan(0);
      // Its reads still go to the old primary, now a replica.
      expect(await portOf(pool)).toBe(oldPrimary.port);
    } finally {
      await pool.end();
    }
  }, 180_000);

  it('goneaway: a held connection inside a transaction during the switchover gets GONEAWAY_TRANSACTION_LOST; withTransactionRetry runs the transaction again on the new primary', async () => {
    const events: GoneAwayEvent[] = [];
    const pool = clusterPool(events, 'switchover-transaction');
    const oldPrimary = pair.primary;
    const newPrimary = pair.replica;
    try {
      await sleep(1_000);
      // Kysely-style: a connection held by the application, a transaction of its own on it.
      const held = await pool.getConnection();
      await held.beginTransaction();
      await held.query("INSERT INTO goneaway.t (id, note) VALUES (200001, 'held')");
      // withTransactionRetry: the first attempt is caught by the switchover halfway through.
      const ports: number[] = [];
      let attempts = 0;
      const retried = withTransactionRetry(pool, async (connection) => {
        attempts++;
        const [rows] = await connection.query<RowDataPacket[]>('SELECT @@port AS port');
        ports.push(Number(rows[0]?.port));
        await connection.query("INSERT INTO goneaway.t (id, note) VALUES (200002, 'retried')");
        if (attempts === 1) {
          const seenBefore = events.length;
          const startedAt = performance.now();
          await pair.switchover();
          const detectedMs = await writerChangedTo(events, seenBefore, newPrimary, startedAt);
          console.info(
            `[cluster] mysql2 + goneaway, switchover inside transactions: writer-changed after ${detectedMs} ms`,
          );
        }
        await connection.query("INSERT INTO goneaway.t (id, note) VALUES (200003, 'retried')");
        return attempts;
      });
      expect(await retried).toBe(2);
      expect(ports).toEqual([oldPrimary.port, newPrimary.port]);
      // The held transaction's next statement is refused before it is sent: the old primary rolls it back.
      const failure = await held.query("INSERT INTO goneaway.t (id, note) VALUES (200004, 'held')").then(
        () => undefined,
        (error: unknown) => error,
      );
      held.release();
      console.info(`[cluster] mysql2 + goneaway, held transaction after the switchover: ${codeOf(failure)}`);
      expect(codeOf(failure)).toBe('GONEAWAY_TRANSACTION_LOST');
      await pair.waitForCatchUp();
      const notes = await newPrimary.query<{ id: number }>(
        'SELECT id FROM goneaway.t WHERE id BETWEEN 200001 AND 200004 ORDER BY id',
      );
      expect(notes.map((row) => Number(row.id))).toEqual([200002, 200003]);
    } finally {
      await pool.end();
    }
  }, 180_000);

  it('goneaway: a held connection outside a transaction (Kysely-style) runs its next statement on the new primary; bare mysql2 gets 1290 there', async () => {
    const events: GoneAwayEvent[] = [];
    const pool = clusterPool(events, 'switchover-held');
    const bare = mysql2.createPool({ ...pair.primary.connection, connectionLimit: 1 });
    const oldPrimary = pair.primary;
    const newPrimary = pair.replica;
    try {
      await sleep(1_000);
      const held = await pool.getConnection();
      const bareHeld = await bare.getConnection();
      const portOn = async (connection: typeof held) =>
        Number((await connection.query<RowDataPacket[]>('SELECT @@port AS port'))[0][0]?.port);
      expect(await portOn(held)).toBe(oldPrimary.port);
      const seenBefore = events.length;
      const startedAt = performance.now();
      await pair.switchover();
      const detectedMs = await writerChangedTo(events, seenBefore, newPrimary, startedAt);
      await held.query("INSERT INTO goneaway.t (id, note) VALUES (400001, 'held')");
      const heldPortAfter = await portOn(held);
      held.release();
      const bareFailure = await bareHeld
        .query("INSERT INTO goneaway.t (id, note) VALUES (400002, 'bare held')")
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      bareHeld.release();
      console.info(
        `[cluster] held connection outside a transaction, switchover: writer-changed after ${detectedMs} ms; ` +
          `goneaway's insert ran on port ${heldPortAfter} (new primary ${newPrimary.port}); bare: ${codeOf(bareFailure)}`,
      );
      expect(heldPortAfter).toBe(newPrimary.port);
      expect(await countOn(newPrimary, [400001])).toBe(1);
      expect(codeOf(bareFailure)).toBe('ER_OPTION_PREVENTS_STATEMENT');
    } finally {
      await pool.end();
      await bare.end();
    }
  }, 180_000);

  it('goneaway: a lone mysql2/promise connection with `cluster` connects to the writer though its config names the replica; bare mysql2 there gets 1290', async () => {
    const hosts = pair.servers.map((server) => `${server.host}:${server.port}`);
    const wrapped = goneAwayMysql2(mysql2, {
      name: 'lone',
      cluster: { hosts, flavor: 'replication', probeIntervalMs: 250, probeTimeoutMs: 1_000 },
    });
    const lone = await wrapped.createConnection({ ...pair.replica.connection });
    const bare = await mysql2.createConnection({ ...pair.replica.connection });
    try {
      const [rows] = await lone.query<RowDataPacket[]>('SELECT @@port AS port');
      await lone.query("INSERT INTO goneaway.t (id, note) VALUES (500001, 'lone')");
      const bareFailure = await bare
        .query("INSERT INTO goneaway.t (id, note) VALUES (500002, 'bare lone')")
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      console.info(
        `[cluster] lone connection configured with the replica: goneaway's went to port ${Number(rows[0]?.port)} (primary ${pair.primary.port}); bare: ${codeOf(bareFailure)}`,
      );
      expect(Number(rows[0]?.port)).toBe(pair.primary.port);
      expect(await countOn(pair.primary, [500001])).toBe(1);
      expect(codeOf(bareFailure)).toBe('ER_OPTION_PREVENTS_STATEMENT');
    } finally {
      await lone.end();
      await bare.end();
    }
  }, 180_000);

  it('bare mysql2 (control): a held connection inside a transaction during the switchover gets a raw server error, and stays on the old primary', async () => {
    const oldPrimary = pair.primary;
    const pool = mysql2.createPool({ ...oldPrimary.connection, connectionLimit: 4 });
    try {
      const held = await pool.getConnection();
      await held.beginTransaction();
      await held.query("INSERT INTO goneaway.t (id, note) VALUES (300001, 'held')");
      await pair.switchover();
      const failure = await held
        .query("INSERT INTO goneaway.t (id, note) VALUES (300002, 'held')")
        .then(() => held.commit())
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      const [rows] = await held.query<RowDataPacket[]>('SELECT @@port AS port');
      held.release();
      console.info(`[cluster] bare mysql2, held transaction during the switchover: ${codeOf(failure)}`);
      expect(failure).toBeDefined();
      expect(codeOf(failure)).not.toMatch(/^GONEAWAY_/);
      expect(Number(rows[0]?.port)).toBe(oldPrimary.port);
    } finally {
      await pool.end();
    }
  }, 180_000);
});
