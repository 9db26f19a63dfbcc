import { describe, expect, it } from 'vitest';
import {
  createMarkerTableSql,
  deleteMarkersSql,
  insertMarkerSql,
  killSessionSql,
  newMarkerId,
  probeMarkerSql,
  pruneMarkersSql,
  sessionCommandSql,
} from './commit-marker-sql.js';

const T = '`goneaway_commit_markers`';

describe('commit marker SQL', () => {
  it('makes fresh 128-bit ids as 32 lowercase hex digits', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newMarkerId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('creates an InnoDB table keyed by the id, with an index for the prune', () => {
    const sql = createMarkerTableSql(T);
    expect(sql).toMatch(/^CREATE TABLE IF NOT EXISTS `goneaway_commit_markers` \(/);
    expect(sql).toContain('id BINARY(16) NOT NULL PRIMARY KEY');
    expect(sql).toContain('created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)');
    expect(sql).toContain('KEY created_at (created_at)');
    expect(sql).toMatch(/ENGINE=InnoDB$/);
  });

  it('inserts the marker and reports the session id as the insert id, in one statement', () => {
    const id = newMarkerId();
    expect(insertMarkerSql(T, id)).toBe(
      `INSERT INTO ${T} (id, connection_id) VALUES (X'${id}', LAST_INSERT_ID(CONNECTION_ID()))`,
    );
  });

  it('probes the marker with a locking read that never waits', () => {
    const id = newMarkerId();
    expect(probeMarkerSql(T, id)).toBe(`SELECT 1 AS present FROM ${T} WHERE id = X'${id}' FOR UPDATE NOWAIT`);
  });

  it('deletes a batch by id and prunes by the server clock in microseconds', () => {
    const [a, b] = [newMarkerId(), newMarkerId()];
    expect(deleteMarkersSql(T, [a, b])).toBe(`DELETE FROM ${T} WHERE id IN (X'${a}', X'${b}')`);
    expect(pruneMarkersSql(T, 86_400_000)).toBe(
      `DELETE FROM ${T} WHERE created_at < NOW(3) - INTERVAL 86400000000 MICROSECOND`,
    );
  });

  it('puts only checked values into SQL text', () => {
    expect(() => insertMarkerSql(T, "00' OR 1=1 -- ")).toThrow(TypeError);
    expect(() => probeMarkerSql(T, 'ABCDEF'.repeat(6).slice(0, 32))).toThrow(TypeError);
    expect(() => deleteMarkersSql(T, [])).toThrow(TypeError);
    expect(() => killSessionSql(0)).toThrow(TypeError);
    expect(() => killSessionSql(1.5)).toThrow(TypeError);
    expect(() => sessionCommandSql(Number.NaN)).toThrow(TypeError);
    expect(() => pruneMarkersSql(T, 0)).toThrow(TypeError);
    expect(killSessionSql(42)).toBe('KILL CONNECTION 42');
    expect(sessionCommandSql(42)).toBe(
      'SELECT COMMAND AS command FROM information_schema.PROCESSLIST WHERE ID = 42',
    );
  });
});
