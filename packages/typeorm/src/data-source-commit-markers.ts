import type { CommitMarkerStats } from '@goneaway/core';
import type { MarkerConnection, MarkerQueryResult } from '@goneaway/core/adapter';
import {
  flushCommitMarkers as flushPoolCommitMarkers,
  commitMarkerStats as poolCommitMarkerStats,
} from '@goneaway/mysql2';
import { poolOfDataSource } from './data-source-pool.js';

/**
 * Counters of the commit marker table `table` (default `goneaway_commit_markers`) used by
 * withTransactionRetry on this initialized DataSource; undefined before its first use.
 */
export function commitMarkerStats(dataSource: unknown, table?: string): CommitMarkerStats | undefined {
  return poolCommitMarkerStats(poolOfDataSource(dataSource, 'commitMarkerStats'), table);
}

/**
 * Deletes now the markers of confirmed commits still waiting for their background DELETE (call it
 * before `dataSource.destroy()`; markers left behind are pruned by age later). Never rejects.
 */
export async function flushCommitMarkers(dataSource: unknown): Promise<void> {
  await flushPoolCommitMarkers(poolOfDataSource(dataSource, 'flushCommitMarkers'));
}

/** What the marker uses of the EntityManager TypeORM hands a transaction's callback. */
export interface QueryingManager {
  query(sql: string): Promise<unknown>;
}

/**
 * The transaction's own connection, through its EntityManager: `manager.query` resolves with
 * mysql2's raw answer on TypeORM 0.3 and 1.x alike (rows for a SELECT, a ResultSetHeader otherwise).
 */
export function managerMarkerConnection(manager: QueryingManager): MarkerConnection {
  return {
    query: async (sql) => {
      const result = await manager.query(sql);
      if (Array.isArray(result)) return { rows: result as Record<string, unknown>[] };
      const header = (result ?? {}) as { insertId?: unknown; affectedRows?: unknown };
      return {
        insertId: header.insertId as MarkerQueryResult['insertId'],
        affectedRows: header.affectedRows as MarkerQueryResult['affectedRows'],
      };
    },
  };
}
