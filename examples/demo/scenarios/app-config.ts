import type { AppDb, AppQueries } from '../clients/app-db.js';
import type { DemoLane } from '../demo-lane.js';
import { sleep } from '../timing.js';

/** Opens `count` pooled connections by running that many overlapping queries. */
export async function warmUp(db: AppDb, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, () => db.read('SELECT SLEEP(0.05) AS slept')));
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

/** The application's one-row INSERT into this lane's table. */
export function insertRow(db: AppQueries, lane: DemoLane, tag: string, v: number): Promise<void> {
  return db.write(`INSERT INTO \`${lane.table}\` (tag, v) VALUES (?, ?)`, [tag, v]);
}

/**
 * Whether an error holds a value of at least `bytes` bytes anywhere a logger or an error reporter
 * would serialise it: its message, or a Buffer or string among its own fields (TypeORM's
 * `parameters`), a few levels deep.
 */
export function carriesValue(error: unknown, bytes: number, depth = 3): boolean {
  if (error === null || error === undefined) return false;
  if (typeof error === 'string') return error.length >= bytes;
  if (Buffer.isBuffer(error) || error instanceof Uint8Array) return error.byteLength >= bytes;
  if (typeof error !== 'object' || depth === 0) return false;
  if (error instanceof Error && error.message.length >= bytes) return true;
  return Object.values(error).some((value) => carriesValue(value, bytes, depth - 1));
}
