import { describe, expect, it } from 'vitest';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { parseCommitMarkerOptions } from './commit-marker-options.js';
import { CommitMarkerTable } from './commit-marker-table.js';
import { FakeMarkerConnection, serverError } from './fake-marker-connection.js';
import { MarkerWriter } from './marker-writer.js';

const settings = parseCommitMarkerOptions(true)!;

function writer() {
  const outside = new FakeMarkerConnection();
  const table = new CommitMarkerTable(settings, outside);
  return { outside, table, writer: new MarkerWriter(settings, table) };
}

describe('MarkerWriter', () => {
  it('one statement: the insert, whose insert id (any driver type) is the session id', async () => {
    const { writer: w } = writer();
    for (const insertId of [42, '42', 42n]) {
      const tx = new FakeMarkerConnection(() => ({ insertId }));
      const marker = await w.write(tx);
      expect(tx.statements).toHaveLength(1);
      expect(tx.statements[0]).toMatch(
        /^INSERT INTO `goneaway_commit_markers` \(id, connection_id\) VALUES \(X'[0-9a-f]{32}', LAST_INSERT_ID\(CONNECTION_ID\(\)\)\)$/,
      );
      expect(tx.statements[0]).toContain(marker.id);
      expect(marker.connectionId).toBe(42);
      expect(marker.writeMs).toBeGreaterThanOrEqual(0);
      expect(Object.isFrozen(marker)).toBe(true);
    }
    expect(w.written).toBe(3);
  });

  it("without an insert id: the connection's own session id, else one SELECT CONNECTION_ID()", async () => {
    const { writer: w } = writer();
    const known = new FakeMarkerConnection(() => ({}));
    known.connectionId = 7;
    expect((await w.write(known)).connectionId).toBe(7);
    expect(known.statements).toHaveLength(1);

    const unknown = new FakeMarkerConnection((sql) =>
      sql.startsWith('SELECT') ? { rows: [{ connection_id: 9n }] } : {},
    );
    expect((await w.write(unknown)).connectionId).toBe(9);
    expect(unknown.statements[1]).toBe('SELECT CONNECTION_ID() AS connection_id');

    const none = new FakeMarkerConnection(() => ({ rows: [] }));
    await expect(w.write(none)).rejects.toThrow(/no CONNECTION_ID\(\)/);
  });

  it('with a cluster: the marker remembers the writer the pool followed when it was written; without, nothing', async () => {
    const { table } = writer();
    let writerKey = '10.0.0.1:3306';
    const routed = new MarkerWriter(settings, table, () => writerKey);
    const tx = () => new FakeMarkerConnection(() => ({ insertId: 42 }));
    expect((await routed.write(tx())).server).toBe('10.0.0.1:3306');
    writerKey = '10.0.0.2:3306';
    expect((await routed.write(tx())).server).toBe('10.0.0.2:3306');
    expect('server' in (await writer().writer.write(tx()))).toBe(false);
  });

  it('every marker gets a fresh id', async () => {
    const { writer: w } = writer();
    const tx = new FakeMarkerConnection(() => ({ insertId: 1 }));
    const ids = new Set<string>();
    for (let n = 0; n < 20; n++) ids.add((await w.write(tx)).id);
    expect(ids.size).toBe(20);
  });

  it('INSERT denied: a config error naming INSERT; nothing counted', async () => {
    const { writer: w } = writer();
    const tx = new FakeMarkerConnection(() => {
      throw serverError(1142);
    });
    const error = await w.write(tx).catch((e: unknown) => e);
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect((error as Error).message).toContain('lacks the INSERT privilege');
    expect(w.written).toBe(0);
  });

  it('a table dropped since it was checked (1146): the error passes, and the table is checked again next time', async () => {
    const { outside, table, writer: w } = writer();
    await table.ensure();
    const dropped = serverError(1146);
    const tx = new FakeMarkerConnection(() => {
      throw dropped;
    });
    await expect(w.write(tx)).rejects.toBe(dropped);
    await table.ensure();
    expect(outside.statements).toHaveLength(2);
  });
});
