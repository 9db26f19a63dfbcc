import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  commitMarkerStats,
  describeWithOwnServer,
  flushCommitMarkers,
  MARKERS,
  markerRows,
  openGoneAway,
  queriesIn,
  startLedgerServer,
  withTransactionRetry,
} from './support.js';

/** The 3-statement transaction of the benchmark: two ledger writes and a read. */
async function transfer(trx: Knex.Transaction, k: string): Promise<number> {
  await trx('ledger').insert({ k, amount: -10 });
  await trx('ledger').insert({ k, amount: 10 });
  const [row] = await trx('ledger').where({ k }).sum({ total: 'amount' });
  return Number(row?.total);
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

// What the option costs when nothing fails: one statement in the transaction (the marker insert, which
// also brings back CONNECTION_ID()), and a background DELETE shared by the transactions that commit together.
describeWithOwnServer('exactly-once: the happy path', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startLedgerServer();
    proxy = await startFaultProxy(server.port);
  });
  afterEach(() => {
    proxy.onClientData(undefined);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  it('adds exactly one statement to the transaction (the marker insert, right before COMMIT); its DELETE comes later, off the caller path', async () => {
    const { db } = openGoneAway(server, proxy, undefined, { min: 1, max: 1 });
    try {
      // Warm up both variants: the connection, its limits query and the marker table check.
      await withTransactionRetry(db, (trx) => transfer(trx, 'warm'));
      await withTransactionRetry(db, (trx) => transfer(trx, 'warm'), { commitMarker: true });
      await flushCommitMarkers(db);

      const sent: string[] = [];
      proxy.onClientData((chunk) => {
        sent.push(...queriesIn(chunk));
        return 'forward';
      });
      expect(await withTransactionRetry(db, (trx) => transfer(trx, 'plain'))).toBe(0);
      const plain = sent.splice(0);
      expect(await withTransactionRetry(db, (trx) => transfer(trx, 'marked'), { commitMarker: true })).toBe(
        0,
      );
      const marked = sent.splice(0);
      await flushCommitMarkers(db);
      const background = sent.splice(0);

      expect(plain).toHaveLength(5);
      expect(marked).toHaveLength(plain.length + 1);
      expect(plain[0]).toMatch(/^BEGIN/);
      expect(marked.at(-2)).toMatch(new RegExp(`^INSERT INTO \`${MARKERS}\` \\(id, connection_id\\) VALUES`));
      expect(marked.at(-1)).toMatch(/^COMMIT/);
      expect(background).toHaveLength(1);
      expect(background[0]).toMatch(new RegExp(`^DELETE FROM \`${MARKERS}\` WHERE id IN`));
      expect(await markerRows(server)).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('deletes the markers of concurrent transactions in batches, and prunes old markers once', async () => {
    // Markers a crashed process left behind two days ago, and one from a minute ago.
    for (let n = 0; n < 5; n++) {
      await server.query(
        `insert into goneaway.${MARKERS} (id, connection_id, created_at) values (unhex(md5(?)), 1, now(3) - interval 2 day)`,
        [`old-${n}`],
      );
    }
    await server.query(
      `insert into goneaway.${MARKERS} (id, connection_id, created_at) values (unhex(md5('recent')), 1, now(3) - interval 1 minute)`,
    );
    const { db } = openGoneAway(server, proxy, undefined, { min: 0, max: 4 });
    try {
      const sent: string[] = [];
      proxy.onClientData((chunk) => {
        sent.push(...queriesIn(chunk));
        return 'forward';
      });
      const transactions = 20;
      const results = await Promise.all(
        Array.from({ length: transactions }, (_, n) =>
          withTransactionRetry(db, (trx) => transfer(trx, `batch-${n}`), { commitMarker: true }),
        ),
      );
      expect(results).toEqual(Array.from({ length: transactions }, () => 0));
      await flushCommitMarkers(db);
      const deletes = sent.filter((sql) => sql.startsWith(`DELETE FROM \`${MARKERS}\` WHERE id IN`));
      const prunes = sent.filter((sql) => sql.startsWith(`DELETE FROM \`${MARKERS}\` WHERE created_at <`));
      console.info(
        `${transactions} concurrent transactions: their markers went in ${deletes.length} DELETE(s)`,
      );
      expect(deletes.length).toBeGreaterThanOrEqual(1);
      expect(deletes.length).toBeLessThan(transactions);
      expect(prunes).toHaveLength(1);
      expect(commitMarkerStats(db)).toMatchObject({
        written: transactions,
        deleted: transactions,
        pruned: 5,
        deleteErrors: 0,
        pruneErrors: 0,
      });
      // Only the recent leftover remains.
      expect(await markerRows(server)).toBe(1);
      // A second round within the interval does not prune again.
      await withTransactionRetry(db, (trx) => transfer(trx, 'again'), { commitMarker: true });
      await flushCommitMarkers(db);
      expect(
        sent.filter((sql) => sql.startsWith(`DELETE FROM \`${MARKERS}\` WHERE created_at <`)),
      ).toHaveLength(1);
    } finally {
      await db.destroy();
    }
  });

  it('measures the latency overhead of a 3-statement transaction (reported, straight to the server)', async () => {
    const { db } = openGoneAway(server, undefined, undefined, { min: 1, max: 1 });
    const leftovers = await markerRows(server);
    try {
      await withTransactionRetry(db, (trx) => transfer(trx, 'warm'), { commitMarker: true });
      const plain: number[] = [];
      const marked: number[] = [];
      const rounds = 150;
      for (let n = 0; n < rounds; n++) {
        // Interleaved, so that the load of the shared machine hits both alike.
        let started = performance.now();
        await withTransactionRetry(db, (trx) => transfer(trx, 'latency-plain'));
        plain.push(performance.now() - started);
        started = performance.now();
        await withTransactionRetry(db, (trx) => transfer(trx, 'latency-marked'), { commitMarker: true });
        marked.push(performance.now() - started);
      }
      await flushCommitMarkers(db);
      const p50 = [percentile(plain, 50), percentile(marked, 50)];
      const p95 = [percentile(plain, 95), percentile(marked, 95)];
      console.info(
        `commitMarker overhead, ${rounds} interleaved 3-statement transactions: ` +
          `p50 ${p50[0]?.toFixed(2)} → ${p50[1]?.toFixed(2)} ms, p95 ${p95[0]?.toFixed(2)} → ${p95[1]?.toFixed(2)} ms`,
      );
      expect(commitMarkerStats(db)).toMatchObject({ written: rounds + 1, deleted: rounds + 1 });
      expect(await markerRows(server)).toBe(leftovers);
    } finally {
      await db.destroy();
    }
  });
});
