import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { goneAway, stats } from '@goneaway/knex';
import { canControlServers, type MariaDBServer, noControlReason, startMariaDB } from '@goneaway/test-harness';
import knex from 'knex';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A long run: 20,000 queries through knex(goneAway()) with every application connection KILLed every
 * 500 queries (while queries are in flight), then db.destroy(). Afterwards no handle (socket, timer)
 * may remain beyond what was there before, and the heap, measured after a full GC at the end of each
 * round, must stay flat. The figures are printed for the README.
 */

const QUERIES = 20_000;
const ROUND = 500;
const CONCURRENCY = 10;
/** Generous: a leak of even 500 bytes per query would be 10 MB; a leaked connection per KILL ~40 × 10 × 30 KB. */
const HEAP_GROWTH_LIMIT_MB = 8;

/** Node's gc(), without --expose-gc on the command line (vitest's forks do not pass it). */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Active resources by type (sockets, timers, …), as Node reports them. */
function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** What `after` holds beyond `before`, e.g. `{ TCPSocketWrap: 2 }`. */
function surplus(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [type, count] of after) {
    const more = count - (before.get(type) ?? 0);
    if (more > 0) extra[type] = more;
  }
  return extra;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

describe.skipIf(!canControlServers)('leaks over a long run with KILLs', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);
  let server: MariaDBServer;
  let admin: Connection;

  beforeAll(async () => {
    server = await startMariaDB();
    // Our own admin connection, opened before the baseline: the harness's admin pool stays untouched
    // during the run, so every handle that appears belongs to the code under test.
    admin = await createConnection(server.adminConnection);
  });
  afterAll(async () => {
    await admin?.end();
    await server?.destroy();
  });

  /** KILLs every connection of the application user; returns how many. */
  async function killApplicationConnections(): Promise<number> {
    const [rows] = await admin.query<Array<{ id: number }> & import('mysql2').RowDataPacket[]>(
      'SELECT id FROM information_schema.processlist WHERE user = ?',
      [server.connection.user],
    );
    for (const row of rows) await admin.query(`KILL ${Number(row.id)}`).catch(() => undefined);
    return rows.length;
  }

  it('20,000 queries, a KILL every 500, then destroy: no handle left, heap flat', async () => {
    const gc = exposeGc();
    gc();
    const before = resourceCounts();
    const db = knex(
      goneAway({
        client: 'mysql2',
        connection: server.connection,
        pool: { min: 2, max: CONCURRENCY },
        log: { warn() {}, error() {}, deprecate() {}, debug() {} },
      }),
    );
    const heapMb: number[] = [];
    let killed = 0;
    let failed = 0;
    let checksum = 0;
    const started = performance.now();
    try {
      for (let done = 0; done < QUERIES; done += ROUND) {
        let next = done;
        const end = done + ROUND;
        let kill: Promise<number> | undefined;
        const worker = async () => {
          while (next < end) {
            const n = next++;
            // Half-way through each round, KILL every connection while queries are in flight.
            if (n === done + ROUND / 2) kill = killApplicationConnections();
            try {
              const [rows] = (await db.raw('select ? as n', [n])) as [Array<{ n: number }>];
              checksum += Number(rows[0]?.n);
            } catch {
              failed++;
            }
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        killed += (await kill) ?? 0;
        gc();
        heapMb.push(process.memoryUsage().heapUsed / 2 ** 20);
      }
    } finally {
      await db.destroy();
    }
    const elapsedS = (performance.now() - started) / 1000;
    const dbStats = stats(db);

    // Sockets close and timers clear asynchronously after destroy(): wait for it, boundedly.
    let left = surplus(before, resourceCounts());
    for (let i = 0; i < 50 && Object.keys(left).length > 0; i++) {
      await delay(100);
      left = surplus(before, resourceCounts());
    }

    // The first rounds warm caches and JIT; compare the second quarter with the last one.
    const quarter = Math.floor(heapMb.length / 4);
    const early = median(heapMb.slice(quarter, 2 * quarter));
    const late = median(heapMb.slice(-quarter));
    const growthMb = late - early;
    console.info(
      `leaks: ${QUERIES} queries in ${elapsedS.toFixed(1)} s, ${killed} connections KILLed in ${QUERIES / ROUND} rounds, ` +
        `${failed} failed, ${dbStats.connectAttempts} connects; heap after GC ${heapMb[0]?.toFixed(1)} → ` +
        `${heapMb.at(-1)?.toFixed(1)} MB (2nd-quarter median ${early.toFixed(2)} MB, last-quarter ${late.toFixed(2)} MB, ` +
        `growth ${growthMb.toFixed(2)} MB); handles left after destroy: ${JSON.stringify(left)}`,
    );

    expect(failed).toBe(0);
    expect(checksum).toBe((QUERIES * (QUERIES - 1)) / 2);
    expect(killed).toBeGreaterThan(QUERIES / ROUND); // the KILLs really hit connections
    expect(left).toEqual({});
    expect(growthMb).toBeLessThan(HEAP_GROWTH_LIMIT_MB);
  }, 120_000);
});
