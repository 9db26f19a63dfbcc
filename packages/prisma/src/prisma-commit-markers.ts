import type { CommitMarkerStats } from '@goneaway/core';
import { CommitMarkerSet, type MarkerConnection, type MarkerQueryResult } from '@goneaway/core/adapter';
import type { PrismaGoneawayInstance } from './pool-instance.js';
import { instances } from './with-goneaway.js';

/** The commit markers of each withGoneaway() instance: the table checked once, deletes batched. */
const markerSets = new WeakMap<PrismaGoneawayInstance, CommitMarkerSet>();

/** What the marker uses of an interactive transaction's client (`tx` in `$transaction(async (tx) => …)`). */
export interface RawTransactionClient {
  $executeRawUnsafe(sql: string): Promise<unknown>;
  $queryRawUnsafe(sql: string): Promise<unknown>;
}

/**
 * The withGoneaway() instance behind a PrismaClient, or behind the factory itself. Prisma 7 keeps the
 * adapter factory it was given as `_engineConfig.adapter` (@prisma/client runtime, getPrismaClient's
 * constructor); a client whose factory is not goneaway's has none.
 */
export function instanceOfClient(prismaOrAdapter: unknown): PrismaGoneawayInstance | undefined {
  if (typeof prismaOrAdapter !== 'object' || prismaOrAdapter === null) return undefined;
  const direct = instances.get(prismaOrAdapter);
  if (direct !== undefined) return direct;
  let adapter: unknown;
  try {
    adapter = (prismaOrAdapter as { _engineConfig?: { adapter?: unknown } })._engineConfig?.adapter;
  } catch {
    return undefined;
  }
  return typeof adapter === 'object' && adapter !== null ? instances.get(adapter) : undefined;
}

/** The instance's markers; their statements outside a transaction run on its open pool, through goneaway's retries. */
export function markerSetOf(instance: PrismaGoneawayInstance): CommitMarkerSet {
  let markers = markerSets.get(instance);
  if (markers === undefined) {
    markers = new CommitMarkerSet({ outside: poolMarkerConnection(instance), events: instance.hub });
    markerSets.set(instance, markers);
  }
  return markers;
}

/**
 * Counters of the commit marker table `table` (default `goneaway_commit_markers`) used by
 * withTransactionRetry on this PrismaClient (or withGoneaway() factory); undefined before its first use.
 */
export function commitMarkerStats(prisma: unknown, table?: string): CommitMarkerStats | undefined {
  const instance = instanceOfClient(prisma);
  return instance === undefined ? undefined : markerSets.get(instance)?.stats(table);
}

/**
 * Deletes now the markers of confirmed commits still waiting for their background DELETE (call it
 * before `prisma.$disconnect()`; markers left behind are pruned by age later). Never rejects.
 */
export async function flushCommitMarkers(prisma: unknown): Promise<void> {
  const instance = instanceOfClient(prisma);
  if (instance !== undefined) await markerSets.get(instance)?.flush();
}

function poolMarkerConnection(instance: PrismaGoneawayInstance): MarkerConnection {
  return {
    // With a cluster, the writer the pool follows: a lost COMMIT is decided only on its own server.
    server: () => instance.pipeline.routedServer(),
    query: async (sql) => {
      const pool = instance.openPool();
      if (pool === undefined) {
        throw Object.assign(new Error('Prisma is not connected (no open pool for the commit marker)'), {
          code: 'ER_CMD_CONNECTION_CLOSED',
          errno: 45013,
          fatal: true,
        });
      }
      return markerResultOf(await pool.query(sql));
    },
  };
}

/**
 * The transaction's own connection, through Prisma: `$executeRawUnsafe` runs the marker insert on it
 * (and answers a row count only: its insert id and session come from the held connection's reply),
 * `$queryRawUnsafe` a SELECT.
 */
export function transactionMarkerConnection(
  tx: RawTransactionClient,
  instance: PrismaGoneawayInstance,
): MarkerConnection {
  let threadId: number | undefined;
  return {
    query: async (sql) => {
      if (/^\s*SELECT\b/i.test(sql)) return markerResultOf(await tx.$queryRawUnsafe(sql));
      const awaited = instance.replies.expect(sql);
      try {
        await tx.$executeRawUnsafe(sql);
        const reply = awaited.take();
        threadId = reply?.threadId ?? undefined;
        return { insertId: reply?.insertId as MarkerQueryResult['insertId'] };
      } finally {
        awaited.cancel();
      }
    },
    get connectionId() {
      return threadId;
    },
  };
}

/** mariadb answers a SELECT with its rows, anything else with an OK packet (insertId as a bigint). */
function markerResultOf(result: unknown): MarkerQueryResult {
  if (Array.isArray(result)) return { rows: result as Record<string, unknown>[] };
  const ok = (result ?? {}) as { insertId?: unknown; affectedRows?: unknown };
  return {
    insertId: ok.insertId as MarkerQueryResult['insertId'],
    affectedRows: ok.affectedRows as MarkerQueryResult['affectedRows'],
  };
}
