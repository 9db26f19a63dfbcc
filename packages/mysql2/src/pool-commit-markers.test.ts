import { isGoneAwayConfigError } from '@goneaway/core';
import { parseCommitMarkerOptions } from '@goneaway/core/adapter';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { commitMarkerStats, markerConnectionOf, poolCommitMarker } from './pool-commit-markers.js';
import { wrapMysql2 } from './wrap-mysql2.js';

// createPool connects lazily: nothing here reaches a server.
const promisePool = wrapMysql2(mysql2Promise, { outageBudgetMs: 7_000 }).createPool({ host: '127.0.0.1' });

describe('poolCommitMarker', () => {
  afterAll(async () => {
    await promisePool.end();
  });

  it('one marker per wrapped pool and table, shared by its promise shell; resolution bounded by the outage budget', () => {
    const settings = parseCommitMarkerOptions(true)!;
    const first = poolCommitMarker(promisePool, settings);
    expect(poolCommitMarker(promisePool.pool, settings).marker).toBe(first.marker);
    expect(first.resolveTimeoutMs).toBe(7_000);
    expect(
      poolCommitMarker(promisePool, parseCommitMarkerOptions({ resolveTimeoutMs: 50 })!).resolveTimeoutMs,
    ).toBe(50);
    expect(commitMarkerStats(promisePool)).toMatchObject({ table: 'goneaway_commit_markers', written: 0 });
    expect(commitMarkerStats(promisePool, 'other')).toBeUndefined();
  });

  it('refuses a pool without goneaway, naming what it needs', () => {
    const bare = mysql2.createPool({ host: '127.0.0.1' });
    try {
      const settings = parseCommitMarkerOptions(true)!;
      let error: unknown;
      try {
        poolCommitMarker(bare, settings);
      } catch (caught) {
        error = caught;
      }
      expect(isGoneAwayConfigError(error)).toBe(true);
      expect((error as Error).message).toContain('a mysql2 pool without goneaway');
      expect(commitMarkerStats(bare)).toBeUndefined();
    } finally {
      bare.end();
    }
  });
});

describe('markerConnectionOf', () => {
  const answering = (result: unknown, error?: unknown) => ({
    query: (_sql: string, callback: (error: unknown, result?: unknown) => void) => callback(error, result),
  });

  it("reads mysql2's rows and ResultSetHeader", async () => {
    expect(await markerConnectionOf(answering([{ present: 1 }])).query('SELECT 1')).toEqual({
      rows: [{ present: 1 }],
    });
    expect(await markerConnectionOf(answering({ insertId: 42, affectedRows: 1 })).query('INSERT')).toEqual({
      insertId: 42,
      affectedRows: 1,
    });
  });

  it("rejects with the driver's error", async () => {
    const error = Object.assign(new Error('denied'), { errno: 1142 });
    await expect(markerConnectionOf(answering(undefined, error)).query('INSERT')).rejects.toBe(error);
  });
});
