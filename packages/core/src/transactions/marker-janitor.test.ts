import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommitMarkerOptions } from './commit-marker-options.js';
import { FakeMarkerConnection } from './fake-marker-connection.js';
import type { WrittenMarker } from './marker-connection.js';
import { DELETE_DELAY_MS, MAX_DELETE_BATCH, MarkerJanitor } from './marker-janitor.js';

function marker(n: number): WrittenMarker {
  return { id: n.toString(16).padStart(32, '0'), connectionId: 1, writtenAt: 0, writeMs: 0 };
}

/** Deletes report as many rows as ids they name; the prune reports 5. */
function countingConnection() {
  return new FakeMarkerConnection((sql) => ({
    affectedRows: sql.includes('WHERE id IN') ? (sql.match(/X'/g) ?? []).length : 5,
  }));
}

describe('MarkerJanitor', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the markers confirmed within the delay go in one DELETE, after the delay, then one prune', async () => {
    vi.useFakeTimers();
    const outside = countingConnection();
    const janitor = new MarkerJanitor(parseCommitMarkerOptions(true)!, outside);
    for (let n = 1; n <= 3; n++) janitor.confirm(marker(n));
    expect(janitor.counts().pendingDeletes).toBe(3);
    await vi.advanceTimersByTimeAsync(DELETE_DELAY_MS - 1);
    expect(outside.statements).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await janitor.flush();
    expect(outside.statements).toHaveLength(2);
    expect(outside.statements[0]).toMatch(
      /^DELETE FROM `goneaway_commit_markers` WHERE id IN \(X'0+1', X'0+2', X'0+3'\)$/,
    );
    expect(outside.statements[1]).toBe(
      'DELETE FROM `goneaway_commit_markers` WHERE created_at < NOW(3) - INTERVAL 86400000000 MICROSECOND',
    );
    expect(janitor.counts()).toEqual({
      deleted: 3,
      deleteErrors: 0,
      pruned: 5,
      pruneErrors: 0,
      pendingDeletes: 0,
    });
  });

  it('prunes at most once per interval, and never with pruneAfterMs: false', async () => {
    const outside = countingConnection();
    const janitor = new MarkerJanitor(parseCommitMarkerOptions(true)!, outside);
    janitor.confirm(marker(1));
    await janitor.flush();
    janitor.confirm(marker(2));
    await janitor.flush();
    expect(outside.statements.filter((sql) => sql.includes('created_at <'))).toHaveLength(1);

    const never = countingConnection();
    const keeping = new MarkerJanitor(parseCommitMarkerOptions({ pruneAfterMs: false })!, never);
    keeping.confirm(marker(1));
    await keeping.flush();
    expect(never.statements).toHaveLength(1);
  });

  it(`splits more than ${MAX_DELETE_BATCH} markers into several DELETEs`, async () => {
    const outside = countingConnection();
    const janitor = new MarkerJanitor(parseCommitMarkerOptions({ pruneAfterMs: false })!, outside);
    for (let n = 1; n <= MAX_DELETE_BATCH + 1; n++) janitor.confirm(marker(n));
    await janitor.flush();
    expect(outside.statements).toHaveLength(2);
    expect(janitor.counts().deleted).toBe(MAX_DELETE_BATCH + 1);
  });

  it('a failed DELETE or prune is counted, never thrown', async () => {
    const outside = new FakeMarkerConnection(() => {
      throw new Error('server gone');
    });
    const janitor = new MarkerJanitor(parseCommitMarkerOptions(true)!, outside);
    janitor.confirm(marker(1));
    await expect(janitor.flush()).resolves.toBeUndefined();
    expect(janitor.counts()).toEqual({
      deleted: 0,
      deleteErrors: 1,
      pruned: 0,
      pruneErrors: 1,
      pendingDeletes: 0,
    });
  });
});
