import {
  goneAway,
  type GoneAwayEvent as KnexEvent,
  stats as knexStats,
  subscribeTo as subscribeToKnex,
} from '@goneaway/knex';
import {
  goneAwayMysql2,
  type GoneAwayEvent as Mysql2Event,
  stats as mysql2Stats,
  subscribeTo as subscribeToMysql2,
} from '@goneaway/mysql2';
import knex, { type Knex } from 'knex';
import mysql2 from 'mysql2/promise';
import { type MariaDBServer, type ReplicationPair, startReplicationPair } from '../../harness/src/index.js';
import { type WorkloadCalls, waitUntil } from './failover-workload.js';
import { poolTransactionOperations } from './mysql2-workload.js';

export type AnyEvent = KnexEvent | Mysql2Event;

/** One application under test on a replication pair: its workload calls, its events and stats, its end. */
export interface Client {
  readonly label: string;
  readonly calls: WorkloadCalls;
  readonly events: AnyEvent[];
  /** Errors of the ROLLBACK a mysql2 transaction sends after its failure (knex rolls back itself). */
  readonly rollbackFailures: Map<string, number>;
  stats(): unknown;
  end(): Promise<void>;
}

export interface ClientOptions {
  readonly outageBudgetMs?: number;
  readonly poolSize?: number;
}

/** Reads (which port answered), inserts and 2-insert transactions (`db.transaction`) through knex. */
export function knexCalls(db: Knex): WorkloadCalls {
  return {
    read: async () => {
      const [rows] = (await db.raw('SELECT @@port AS port')) as [Array<{ port: number }>];
      return Number(rows[0]?.port);
    },
    insert: async (id) => {
      await db('t').insert({ id, note: 'workload' });
    },
    transaction: (ids) =>
      db.transaction(async (trx) => {
        for (const id of ids) await trx('t').insert({ id, note: 'tx' });
      }),
  };
}

function clusterOptions(pair: ReplicationPair) {
  return {
    hosts: pair.servers.map((server) => `${server.host}:${server.port}`),
    flavor: 'replication' as const,
    probeIntervalMs: 250,
    probeTimeoutMs: 1_000,
  };
}

/** knex pointed at the pair's current primary; with `cluster`, goneaway and the pair as its host list. */
export function knexClient(pair: ReplicationPair, cluster: boolean, options: ClientOptions = {}): Client {
  const config = {
    client: 'mysql2',
    connection: { ...pair.primary.connection },
    pool: { min: 0, max: options.poolSize ?? 8 },
  };
  const db = knex(
    cluster
      ? goneAway(config, {
          name: 'knex-cluster',
          outageBudgetMs: options.outageBudgetMs ?? 20_000,
          cluster: clusterOptions(pair),
        })
      : config,
  );
  const events: AnyEvent[] = [];
  if (cluster) subscribeToKnex(db, (event) => events.push(event));
  return {
    label: cluster ? 'knex + goneaway' : 'bare knex',
    calls: knexCalls(db),
    events,
    rollbackFailures: new Map(),
    stats: () => (cluster ? knexStats(db).evictions : undefined),
    end: () => db.destroy(),
  };
}

/** A mysql2 promise pool pointed at the pair's current primary; with `cluster`, goneaway and the pair as its host list. */
export function mysql2Client(pair: ReplicationPair, cluster: boolean, options: ClientOptions = {}): Client {
  const poolOptions = { ...pair.primary.connection, connectionLimit: options.poolSize ?? 8 };
  const pool = cluster
    ? goneAwayMysql2(mysql2, {
        name: 'mysql2-cluster',
        outageBudgetMs: options.outageBudgetMs ?? 20_000,
        cluster: clusterOptions(pair),
      }).createPool(poolOptions)
    : mysql2.createPool(poolOptions);
  const events: AnyEvent[] = [];
  if (cluster) subscribeToMysql2(pool, (event) => events.push(event));
  const rollbackFailures = new Map<string, number>();
  return {
    label: cluster ? 'mysql2 + goneaway' : 'bare mysql2',
    calls: poolTransactionOperations(pool, 'goneaway.t', rollbackFailures),
    events,
    rollbackFailures,
    stats: () => (cluster ? mysql2Stats(pool).evictions : undefined),
    end: () => pool.end(),
  };
}

export const replicationClients = [
  { name: 'knex', create: knexClient },
  { name: 'mysql2', create: mysql2Client },
] as const;

/** A fresh pair with goneaway.t (id INT PRIMARY KEY, note), replicated. */
export async function startPair(): Promise<ReplicationPair> {
  const pair = await startReplicationPair();
  await pair.primary.query('CREATE TABLE goneaway.t (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB');
  await pair.waitForCatchUp(30_000);
  return pair;
}

/** The last GTID `server` wrote itself (its own server_id in gtid_binlog_state): it changes with each write it takes. */
export async function ownLastGtid(server: MariaDBServer): Promise<string> {
  const [row] = await server.query<{ id: number; state: string }>(
    'SELECT @@GLOBAL.server_id AS id, @@GLOBAL.gtid_binlog_state AS state',
  );
  return (
    String(row?.state ?? '')
      .split(',')
      .find((gtid) => gtid.split('-')[1] === String(row?.id)) ?? ''
  );
}

/**
 * Resolves with performance.now() once the client's monitor emitted writer-changed (after event
 * `from`) to `server`, or to no writer at all when `server` is undefined.
 */
export async function writerChangedTo(
  client: Client,
  from: number,
  server: MariaDBServer | undefined,
): Promise<number> {
  await waitUntil(
    server === undefined
      ? 'a writer-changed event to no writer'
      : `a writer-changed event to port ${server.port}`,
    () =>
      client.events
        .slice(from)
        .some(
          (event) =>
            event.type === 'writer-changed' &&
            (server === undefined ? event.to === undefined : String(event.to).endsWith(`:${server.port}`)),
        ),
    60_000,
  );
  return performance.now();
}

/** Write statements the server was sent (counted even when it refused them), from its status counters. */
export async function writeStatementsSent(server: Pick<MariaDBServer, 'query'>): Promise<number> {
  const rows = await server.query<{ Variable_name: string; Value: string }>(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_insert', 'Com_update', 'Com_delete', 'Com_begin', 'Com_commit')",
  );
  return rows.reduce((sum, row) => sum + Number(row.Value), 0);
}
