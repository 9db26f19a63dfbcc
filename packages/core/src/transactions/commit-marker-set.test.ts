import { describe, expect, it } from 'vitest';
import { parseCommitMarkerOptions } from './commit-marker-options.js';
import { CommitMarkerSet } from './commit-marker-set.js';
import { FakeMarkerConnection } from './fake-marker-connection.js';

describe('CommitMarkerSet', () => {
  it('one marker per table and prune age; stats by table name; flush reaches every marker', async () => {
    const outside = new FakeMarkerConnection(() => ({ insertId: 3, affectedRows: 1 }));
    const set = new CommitMarkerSet({ outside });
    const first = set.markerFor(parseCommitMarkerOptions(true)!);
    expect(set.markerFor(parseCommitMarkerOptions({ resolveTimeoutMs: 10 })!)).toBe(first);
    const other = set.markerFor(parseCommitMarkerOptions({ table: 'other' })!);
    expect(other).not.toBe(first);
    expect(set.markerFor(parseCommitMarkerOptions({ pruneAfterMs: false })!)).not.toBe(first);

    expect(set.stats('missing')).toBeUndefined();
    const tx = new FakeMarkerConnection(() => ({ insertId: 3 }));
    first.confirm(await first.write(tx));
    other.confirm(await other.write(tx));
    expect(set.stats()).toMatchObject({ table: 'goneaway_commit_markers', written: 1, pendingDeletes: 1 });
    expect(set.stats('other')).toMatchObject({ table: 'other', written: 1 });
    await set.flush();
    expect(set.stats()).toMatchObject({ pendingDeletes: 0, deleted: 1 });
    expect(set.stats('other')).toMatchObject({ pendingDeletes: 0, deleted: 1 });
  });
});
