import { goneAway, type GoneAwayEvent as KnexEvent, subscribeTo as subscribeKnex } from '@goneaway/knex';
import { goneAwayMysql2, subscribeTo as subscribeMysql2 } from '@goneaway/mysql2';
import type { WorkloadCalls } from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';
import mysql2, { type RowDataPacket } from 'mysql2/promise';

/** The four clients every cluster scenario runs side by side. */
export const CLUSTER_SIDE_IDS = ['bare-knex', 'pool-cluster', 'goneaway-knex', 'goneaway-mysql2'] as const;
export type ClusterSideId = (typeof CLUSTER_SIDE_IDS)[number];

export const CLUSTER_SIDE_LABELS: Readonly<Record<ClusterSideId, string>> = {
  'bare-knex': 'bare knex (one address)',
  'pool-cluster': 'mysql2 PoolCluster (ORDER)',
  'goneaway-knex': 'knex + goneaway cluster',
  'goneaway-mysql2': 'mysql2 + goneaway cluster',
};

export function isGoneawaySide(side: ClusterSideId): boolean {
  return side === 'goneaway-knex' || side === 'goneaway-mysql2';
}

export interface HostAddress {
  readonly host: string;
  readonly port: number;
}

/** What every side connects to: the hosts (the node that will fail first), the application account. */
export interface ClusterTarget {
  readonly flavor: 'galera' | 'replication';
  /** The node the fault hits comes first: bare knex uses only it, PoolCluster (ORDER) tries it first. */
  readonly hosts: readonly HostAddress[];
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** Connections per pool, per side: more than the workers, so stalled inserts cannot starve the reads. */
export const POOL_SIZE = 8;

export interface OpenedSide {
  readonly id: ClusterSideId;
  /** A read that says which server answered (`SELECT @@port`), an insert into the ledger. */
  readonly calls: WorkloadCalls;
  /** goneaway's events (host-state-changed, writer-changed…); PoolCluster's node removals ('removed'). */
  readonly events: readonly ClusterEvent[];
  /** Lines the client logged by itself (knex's "Acquire connection error"…), counted instead of printed. */
  readonly noise: readonly string[];
  close(): Promise<void>;
}

/** The part of a goneaway event the cluster scenarios read, stamped with when it arrived. */
export interface ClusterEvent {
  readonly at: number;
  readonly type: string;
  readonly host?: string;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** `INSERT INTO goneaway.ledger`: one row per acknowledged id, checked afterwards for losses and duplicates. */
export const LEDGER_TABLE = 'goneaway.ledger';
export const CREATE_LEDGER =
  'CREATE TABLE goneaway.ledger (seq BIGINT AUTO_INCREMENT PRIMARY KEY, side VARCHAR(20) NOT NULL, id INT NOT NULL, port INT NOT NULL, KEY (side, id)) ENGINE=InnoDB';
const INSERT_SQL = `INSERT INTO ${LEDGER_TABLE} (side, id, port) VALUES (?, ?, @@port)`;
/** A read that touches a table (a non-primary Galera node still answers `SELECT @@port`, not this). */
const READ_SQL = 'SELECT @@port AS port, (SELECT COUNT(*) FROM goneaway.ledger WHERE seq = 1) AS touched';

/** A side's own defaults: goneaway with nothing but `cluster: { hosts, flavor }`, PoolCluster as shipped. */
export function openSide(id: ClusterSideId, target: ClusterTarget): OpenedSide {
  const [first] = target.hosts;
  if (first === undefined) throw new Error('a cluster target needs at least one host');
  const account = { user: target.user, password: target.password, database: target.database };
  const hostList = target.hosts.map((host) => `${host.host}:${host.port}`);
  const events: ClusterEvent[] = [];
  const noise: string[] = [];
  const record = (event: KnexEvent) => {
    if (event.type !== 'host-state-changed' && event.type !== 'writer-changed') return;
    events.push({
      at: performance.now(),
      type: event.type,
      ...(event.type === 'host-state-changed'
        ? { host: event.host, from: event.from, to: event.to }
        : { from: event.from, to: event.to }),
    });
  };
  switch (id) {
    case 'bare-knex':
    case 'goneaway-knex': {
      const config: Knex.Config = {
        client: 'mysql2',
        connection: { host: first.host, port: first.port, ...account },
        pool: { min: 0, max: POOL_SIZE },
        log: {
          warn: (message: unknown) => noise.push(String(message)),
          error: (message: unknown) => noise.push(String(message)),
          deprecate: () => undefined,
          debug: () => undefined,
        },
      };
      const db = knex(
        id === 'bare-knex'
          ? config
          : goneAway(config, { name: id, cluster: { hosts: hostList, flavor: target.flavor } }),
      );
      if (id === 'goneaway-knex') subscribeKnex(db, record);
      return {
        id,
        events,
        noise,
        calls: {
          read: async () => {
            const [rows] = (await db.raw(READ_SQL)) as [Array<{ port: number }>];
            return Number(rows[0]?.port);
          },
          insert: (n) => db.raw(INSERT_SQL, [id, n]),
        },
        close: () => db.destroy(),
      };
    }
    case 'pool-cluster': {
      const cluster = mysql2.createPoolCluster({ defaultSelector: 'ORDER' });
      target.hosts.forEach((host, index) => {
        cluster.add(`node${index + 1}`, {
          host: host.host,
          port: host.port,
          ...account,
          connectionLimit: POOL_SIZE,
        });
      });
      cluster.on('warn', () => undefined);
      // A node removed after removeNodeErrorCount (5) failed connects: gone until the app restarts
      // (restoreNodeTimeout 0). Recorded: an uncaught exception that follows is this side's (see the runner).
      cluster.on('remove', (node: string) => {
        events.push({ at: performance.now(), type: 'removed', host: node });
      });
      // Every node, in the order added (the failing one first): how an application addresses a PoolCluster.
      const nodes = cluster.of('*');
      return {
        id,
        events,
        noise,
        calls: {
          read: async () => {
            const [rows] = await nodes.query<RowDataPacket[]>(READ_SQL);
            return Number(rows[0]?.port);
          },
          insert: (n) => nodes.query(INSERT_SQL, [id, n]),
        },
        close: () => cluster.end(),
      };
    }
    case 'goneaway-mysql2': {
      const pool = goneAwayMysql2(mysql2, {
        name: id,
        cluster: { hosts: hostList, flavor: target.flavor },
      }).createPool({ host: first.host, port: first.port, ...account, connectionLimit: POOL_SIZE });
      subscribeMysql2(pool, record);
      return {
        id,
        events,
        noise,
        calls: {
          read: async () => {
            const [rows] = await pool.query<RowDataPacket[]>(READ_SQL);
            return Number(rows[0]?.port);
          },
          insert: (n) => pool.query(INSERT_SQL, [id, n]),
        },
        close: () => pool.end(),
      };
    }
  }
}
