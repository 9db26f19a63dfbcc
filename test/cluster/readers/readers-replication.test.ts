import { goneAway, stats as knexStats } from '@goneaway/knex';
import { type GoneAwayEvent, goneAwayMysql2, stats, subscribeTo } from '@goneaway/mysql2';
import { sql } from 'drizzle-orm';
import { int, mysqlTable, varchar, withReplicas } from 'drizzle-orm/mysql-core';
import { drizzle } from 'drizzle-orm/mysql2';
import knex, { type Knex } from 'knex';
import mysql2, { type Pool, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  noControlReason,
  type ReplicationPair,
  startReplicationPair,
} from '../../harness/src/index.js';
import { describeFailures } from '../failover/failover-workload.js';
import { codeOf, portOf, runWorkload, sleep, waitUntil } from '../failover/mysql2-workload.js';

const skipReason = canControlServers ? undefined : noControlReason;
if (skipReason) console.info(`mysql2 reader tests on a replication pair skipped: ${skipReason}`);

const items = mysqlTable('r', { id: int('id').primaryKey(), note: varchar('note', { length: 40 }) });

describe.skipIf(skipReason !== undefined)('reader pools (role: reader) on a primary/replica pair', () => {
  let pair: ReplicationPair;
  const pools: Pool[] = [];
  const instances: Knex[] = [];

  beforeAll(async () => {
    // Asynchronous replication: a delayed replica must not hold the primary's commits back.
    pair = await startReplicationPair({ semiSync: false });
    await pair.primary.query('CREATE TABLE goneaway.r (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB');
    await pair.primary.query("INSERT INTO goneaway.r VALUES (0, 'seed')");
    // The monitor reads a replica's lag with SHOW SLAVE STATUS, which needs this privilege (replicated).
    await pair.primary.query('GRANT SLAVE MONITOR ON *.* TO ?@?', [pair.primary.connection.user, '%']);
    await pair.waitForCatchUp();
  }, 240_000);

  afterAll(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => undefined)));
    await Promise.all(instances.splice(0).map((db) => db.destroy().catch(() => undefined)));
    await pair?.stop();
  }, 60_000);

  const hosts = () => pair.servers.map((server) => `${server.host}:${server.port}`);
  const replicaKey = () => `${pair.replica.host}:${pair.replica.port}`;

  interface ReaderSettings {
    maxLagMs?: number;
    fallbackToWriter?: boolean;
    readYourWrites?: boolean;
  }

  function cluster({ readYourWrites = false, ...readers }: ReaderSettings = {}) {
    return {
      hosts: hosts(),
      flavor: 'replication' as const,
      probeIntervalMs: 250,
      probeTimeoutMs: 1_000,
      readers: { enabled: true, ...readers },
      readYourWrites,
    };
  }

  function pool(
    role: 'writer' | 'reader',
    name: string,
    readers: ReaderSettings = {},
    events?: GoneAwayEvent[],
  ) {
    const made = goneAwayMysql2(mysql2, {
      name,
      outageBudgetMs: 3_000,
      cluster: cluster(readers),
      role,
    }).createPool({ ...pair.primary.connection, connectionLimit: 4 });
    if (events) subscribeTo(made, (event) => events.push(event));
    pools.push(made);
    return made;
  }

  it('reads through a reader pool are answered by the replica, writes through the writer pool by the primary; stats say which', async () => {
    const writer = pool('writer', 'w-basic');
    const reader = pool('reader', 'r-basic');
    const ports = new Set<number>();
    for (let i = 0; i < 20; i++) ports.add(await portOf(reader));
    expect([...ports]).toEqual([pair.replica.port]);
    expect(await portOf(writer)).toBe(pair.primary.port);
    expect(stats(reader).cluster).toMatchObject({
      role: 'reader',
      targets: [`${pair.replica.host}:${pair.replica.port}`],
      writer: `${pair.primary.host}:${pair.primary.port}`,
    });
    expect(stats(writer).cluster).toMatchObject({
      role: 'writer',
      targets: [`${pair.primary.host}:${pair.primary.port}`],
    });
  });

  it('a write sent through the reader pool is refused by the replica with its read-only error, as on a bare pool to the replica (never moved to the primary)', async () => {
    const reader = pool('reader', 'r-write');
    const bare = mysql2.createPool({ ...pair.replica.connection, connectionLimit: 1 });
    try {
      const viaReader = await reader
        .query("INSERT INTO goneaway.r VALUES (900, 'via reader')")
        .catch((error: unknown) => error);
      const viaBare = await bare
        .query("INSERT INTO goneaway.r VALUES (901, 'bare')")
        .catch((error: unknown) => error);
      expect(codeOf(viaBare)).toBe('ER_OPTION_PREVENTS_STATEMENT');
      expect(codeOf(viaReader)).toBe(codeOf(viaBare));
      expect((viaReader as { errno?: number }).errno).toBe(1290);
      const rows = await pair.primary.query<{ n: number }>(
        'SELECT COUNT(*) AS n FROM goneaway.r WHERE id = 900',
      );
      expect(Number(rows[0]?.n)).toBe(0);
    } finally {
      await bare.end();
    }
  });

  it('a replica past maxLagMs leaves the rotation: reads go to the writer (fallback), or fail GONEAWAY_UNAVAILABLE naming every host without fallback; it comes back once caught up', async () => {
    const events: GoneAwayEvent[] = [];
    const fallback = pool('reader', 'r-lag', { maxLagMs: 1_000 }, events);
    const strict = pool('reader', 'r-lag-strict', { maxLagMs: 1_000, fallbackToWriter: false });
    const writer = pool('writer', 'w-lag');
    expect(await portOf(fallback)).toBe(pair.replica.port);
    expect(await portOf(strict)).toBe(pair.replica.port);
    // The bare control: a plain pool on the replica's address keeps reading from it, however stale.
    const bare = mysql2.createPool({ ...pair.replica.connection, connectionLimit: 1 });
    await pair.setReplicationDelay(4);
    let id = 10_000;
    let writing = true;
    const writes = (async () => {
      while (writing) {
        await writer.query("INSERT INTO goneaway.r VALUES (?, 'lag')", [id++]);
        await sleep(100);
      }
    })();
    try {
      await waitUntil(
        'the replica to be reported lagging',
        () =>
          events.some(
            (event) =>
              event.type === 'host-state-changed' && event.host === replicaKey() && event.to === 'lagging',
          ),
        30_000,
      );
      const fallbackPorts = new Set<number>();
      for (let i = 0; i < 10; i++) fallbackPorts.add(await portOf(fallback));
      expect([...fallbackPorts]).toEqual([pair.primary.port]);
      expect(stats(fallback).cluster?.targets).toEqual([`${pair.primary.host}:${pair.primary.port}`]);
      const refused = await portOf(strict).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'GONEAWAY_UNAVAILABLE' });
      const message = String((refused as Error).message);
      for (const key of hosts()) expect(message).toContain(key);
      expect(message).toMatch(/lagging/);
      const lastWritten = id - 1;
      const [staleRows] = await bare.query<mysql2.RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM goneaway.r WHERE id = ?',
        [lastWritten],
      );
      // The bare pool on the replica reads stale data meanwhile.
      expect(Number(staleRows[0]?.n)).toBe(0);
      console.info(
        `[cluster] mysql2 reader pools, replica delayed 4 s (maxLagMs 1000): fallback reads answered by the primary; ` +
          `without fallback: ${String((refused as Error).message).slice(0, 160)}…`,
      );
    } finally {
      writing = false;
      await writes;
      await bare.end();
    }
    await pair.setReplicationDelay(0);
    await pair.waitForCatchUp();
    await waitUntil(
      'the replica back in the reader rotation',
      () => stats(strict).cluster?.targets.length === 1,
      30_000,
    );
    // A connection to the writer the fallback pool made is swept now that a reader is back.
    const ports = new Set<number>();
    for (let i = 0; i < 10; i++) ports.add(await portOf(fallback));
    expect([...ports]).toEqual([pair.replica.port]);
    expect(await portOf(strict)).toBe(pair.replica.port);
    expect(stats(fallback).evictions['left-rotation']).toBeGreaterThan(0);
  });

  it('a replica whose replication stops leaves the rotation under a read workload: no read fails, reads move to the writer and back', async () => {
    const reader = pool('reader', 'r-stop');
    const workload = runWorkload({ read: () => portOf(reader), insert: async () => undefined }, 1, 4);
    try {
      await sleep(500);
      await pair.stopReplication();
      await sleep(2_000);
      workload.markAfter();
      await sleep(1_000);
      expect([...workload.report.portsAfter]).toEqual([pair.primary.port]);
      await pair.startReplication();
      await waitUntil(
        'the replica back in the reader rotation',
        () => stats(reader).cluster?.targets[0]?.endsWith(`:${pair.replica.port}`) === true,
        30_000,
      );
      await sleep(1_000);
    } finally {
      const report = await workload.stop();
      console.info(
        `[cluster] mysql2 reader pool, replication stopped then started: ${report.reads} reads, failures ${describeFailures(report)}`,
      );
      expect(report.failures.size).toBe(0);
      expect(report.reads).toBeGreaterThan(0);
    }
    expect(await portOf(reader)).toBe(pair.replica.port);
  });

  it("Drizzle's withReplicas over a goneaway writer pool and a goneaway reader pool: selects go to the replica, writes to the primary", async () => {
    const writerPool = pool('writer', 'drizzle-w');
    const readerPool = pool('reader', 'drizzle-r');
    const db = withReplicas(drizzle({ client: writerPool }), [drizzle({ client: readerPool })]);
    await waitUntil(
      'the replica in the reader rotation',
      () => stats(readerPool).cluster?.targets[0] === replicaKey(),
      30_000,
    );
    await db.insert(items).values({ id: 500, note: 'drizzle' });
    await pair.waitForCatchUp();
    const [read] = await db
      .select({ port: sql<number>`@@port`, note: items.note })
      .from(items)
      .where(sql`${items.id} = 500`);
    expect(Number(read?.port)).toBe(pair.replica.port);
    expect(read?.note).toBe('drizzle');
    const [onPrimary] = await db.$primary.select({ port: sql<number>`@@port` }).from(items).limit(1);
    expect(Number(onPrimary?.port)).toBe(pair.primary.port);
  });

  /** The row with `id`, read through `pool`, and the port of the server that answered. */
  async function readRow(pool: Pool, id: number): Promise<{ found: boolean; port: number }> {
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT @@port AS port, (SELECT COUNT(*) FROM goneaway.r WHERE id = ?) AS n',
      [id],
    );
    return { found: Number(rows[0]?.n) === 1, port: Number(rows[0]?.port) };
  }

  it('read-your-writes (mysql2): a row inserted through the writer pool is seen at once through the reader pool on a replica 2 s behind (it waits with MASTER_GTID_WAIT); a control reader without it reads stale; too far behind, the read goes to the writer', async () => {
    const writer = pool('writer', 'ryw-w', { readYourWrites: true });
    const reader = pool('reader', 'ryw-r', { readYourWrites: true });
    const control = pool('reader', 'ryw-control');
    const impatient = pool('reader', 'ryw-impatient', { readYourWrites: true, maxLagMs: 1_000 });
    await waitUntil(
      'the replica in the reader rotation',
      () => stats(reader).cluster?.targets[0] === replicaKey(),
      30_000,
    );
    expect((await readRow(reader, 0)).port).toBe(pair.replica.port);
    expect((await readRow(impatient, 0)).port).toBe(pair.replica.port);
    await pair.setReplicationDelay(2);
    try {
      const rounds = 5;
      let seen = 0;
      let seenByControl = 0;
      const waits: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const id = 20_000 + round;
        await writer.query("INSERT INTO goneaway.r VALUES (?, 'ryw')", [id]);
        const byControl = await readRow(control, id);
        const startedAt = performance.now();
        const read = await readRow(reader, id);
        waits.push(Math.round(performance.now() - startedAt));
        expect(read.port).toBe(pair.replica.port);
        expect(byControl.port).toBe(pair.replica.port);
        if (read.found) seen++;
        if (byControl.found) seenByControl++;
      }
      console.info(
        `[cluster] mysql2 replication read-your-writes, replica 2 s behind: ${seen}/${rounds} rows seen through the reader pool (waits ${waits.join(', ')} ms), ${seenByControl}/${rounds} through the control reader`,
      );
      expect(seen).toBe(rounds);
      expect(seenByControl).toBe(0);
      // maxLagMs 1000 < the 2 s delay: the wait times out (or the replica is lagging); the read goes to the writer and sees the row.
      await writer.query("INSERT INTO goneaway.r VALUES (29999, 'ryw')");
      expect(await readRow(impatient, 29_999)).toEqual({ found: true, port: pair.primary.port });
    } finally {
      await pair.setReplicationDelay(0);
      await pair.waitForCatchUp();
    }
  });

  it('read-your-writes (knex): a row inserted through the writer instance is seen at once through the reader instance on a delayed replica, in a transaction too', async () => {
    const make = (role: 'writer' | 'reader', name: string) => {
      const db = knex(
        goneAway(
          { client: 'mysql2', connection: { ...pair.primary.connection }, pool: { min: 0, max: 2 } },
          { name, outageBudgetMs: 5_000, cluster: cluster({ readYourWrites: true }), role },
        ),
      );
      instances.push(db);
      return db;
    };
    const writer = make('writer', 'knex-ryw-w');
    const reader = make('reader', 'knex-ryw-r');
    // The previous test restarted replication: the monitor may still see the replica as not replicating.
    await waitUntil(
      'the replica in the reader rotation',
      () => knexStats(reader).cluster?.targets[0] === replicaKey(),
      30_000,
    );
    const portAndCount = async (id: number) => {
      const [rows] = (await reader.raw('SELECT @@port AS port, (SELECT COUNT(*) FROM r WHERE id = ?) AS n', [
        id,
      ])) as [Array<{ port: number; n: number }>];
      return { port: Number(rows[0]?.port), n: Number(rows[0]?.n) };
    };
    expect((await portAndCount(0)).port).toBe(pair.replica.port);
    await pair.setReplicationDelay(2);
    try {
      for (let id = 30_000; id < 30_003; id++) {
        await writer('r').insert({ id, note: 'knex ryw' });
        expect(await portAndCount(id)).toEqual({ port: pair.replica.port, n: 1 });
      }
      // The COMMIT's GTID is the one waited for.
      await writer.transaction(async (trx) => {
        await trx('r').insert({ id: 30_010, note: 'knex ryw trx' });
      });
      expect(await portAndCount(30_010)).toEqual({ port: pair.replica.port, n: 1 });
    } finally {
      await pair.setReplicationDelay(0);
      await pair.waitForCatchUp();
    }
  });
});
