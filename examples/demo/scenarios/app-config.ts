import type { Knex } from 'knex';
import type { ConnectionSettings, DemoLane } from '../demo-lane.js';
import { sleep } from '../timing.js';

/** The application's own knex config: what a typical service writes, nothing tuned for the demo. */
export function appConfig(connection: ConnectionSettings, pool?: Knex.PoolConfig): Knex.Config {
  return { client: 'mysql2', connection: { ...connection }, ...(pool ? { pool } : {}) };
}

/** Opens `count` pooled connections by running that many overlapping queries. */
export async function warmUp(db: Knex, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, () => db.raw('SELECT SLEEP(0.05)')));
}

/**
 * After `afterMs`, KILLs (from the admin connection) the application connection whose running
 * statement matches `likePattern`, polling until it shows up. Returns how many were killed.
 */
export async function killWhenRunning(
  lane: DemoLane,
  likePattern: string,
  afterMs: number,
  withinMs = 3000,
): Promise<number> {
  await sleep(afterMs);
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline) {
    const ids = await lane.threadsRunning(likePattern);
    if (ids.length > 0) {
      for (const id of ids) await lane.kill(id);
      return ids.length;
    }
    await sleep(25);
  }
  return 0;
}

export async function countRows(lane: DemoLane, tag: string): Promise<number> {
  const rows = await lane.admin(`SELECT COUNT(*) AS n FROM \`${lane.table}\` WHERE tag = ?`, [tag]);
  return Number(rows[0]?.n ?? Number.NaN);
}

export function okCount(results: readonly { ok: boolean }[]): number {
  return results.filter((result) => result.ok).length;
}
