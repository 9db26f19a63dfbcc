import type { ClusterFlavor, ClusterHost } from '@goneaway/core';
import { classify } from '@goneaway/core';
import {
  hostKey,
  type ProbeFunction,
  type ProbeResult,
  probeGalera,
  probeProxy,
  replicationProbe,
} from '@goneaway/core/adapter';
import mysql from 'mysql2/promise';
import { closeQuietly } from '../connection/close-quietly.js';
import type { GaleraSettings, HostFacts, ReplicationSettings } from './cluster-facts.js';
import { parseGaleraDuration, providerOption } from './parse-galera-duration.js';

/** The facts, and the probe's own answer (electWriter chooses the writer from it). */
export interface HostReading {
  readonly facts: HostFacts;
  readonly probe: ProbeResult | undefined;
}

export interface HostCredentials {
  readonly user: string;
  readonly password: string | undefined;
  readonly ssl: boolean;
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** The flavor's probe from @goneaway/core: the doctor asks "writer?" exactly as the monitor does. */
export function probeFor(flavor: ClusterFlavor, maxLagMs: number): ProbeFunction {
  if (flavor === 'galera') return probeGalera;
  if (flavor === 'proxy') return probeProxy;
  return replicationProbe({ maxLagMs });
}

/**
 * Connects once to one host (without a default database: a Galera node outside the primary component
 * refuses one), runs the flavor's probe, reads the settings the cluster checks need, and closes with
 * COM_QUIT. Never rejects: an unreachable host is `down` with the classified reason, never the driver's
 * message (it may quote the user or host, and a password is never printed anyway).
 */
export async function readClusterHost(
  host: ClusterHost,
  flavor: ClusterFlavor,
  credentials: HostCredentials,
  options: { readonly timeoutMs: number; readonly maxLagMs: number },
): Promise<HostReading> {
  const key = hostKey(host);
  const started = performance.now();
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({
      host: host.host,
      port: host.port,
      user: credentials.user,
      password: credentials.password,
      connectTimeout: options.timeoutMs,
      ...(credentials.ssl ? { ssl: {} } : {}),
    });
  } catch (error) {
    return unreachableHost(key, 'cannot connect', error);
  }
  const connectMs = Math.round(performance.now() - started);
  connection.on('error', () => {});
  const query: Query = async (sql) => {
    const [rows] = await connection.query({ sql, timeout: options.timeoutMs });
    return rows as Record<string, unknown>[];
  };
  try {
    let probe: ProbeResult;
    try {
      probe = await probeFor(flavor, options.maxLagMs)({ query });
    } catch (error) {
      return unreachableHost(key, 'the probe failed', error);
    }
    const version = await scalar(query, 'SELECT VERSION() AS v');
    const readOnly = await flag(query, 'SELECT @@global.read_only AS v');
    const facts: HostFacts = {
      key,
      reachable: true,
      state: probe.state,
      reason: probe.reason,
      version: version === null ? null : String(version),
      connectMs,
      failure: null,
      clusterSize: probe.galera?.clusterSize ?? null,
      localIndex: probe.galera?.localIndex ?? null,
      desync: probe.galera?.desync ?? null,
      rejectQueries: probe.galera?.rejectQueries ?? null,
      readOnly,
      galera: flavor === 'galera' ? await readGaleraSettings(query) : null,
      replication: flavor === 'replication' ? await readReplicationSettings(query) : null,
    };
    return { facts, probe };
  } finally {
    await closeQuietly(connection, options.timeoutMs);
  }
}

function unreachableHost(key: string, what: string, error: unknown): HostReading {
  const { kind, code, errno, hint } = classify(error);
  const ids = [code, errno === undefined ? undefined : `errno ${errno}`].filter(Boolean).join(', ');
  const facts: HostFacts = {
    key,
    reachable: false,
    state: 'down',
    reason: `${what}: ${kind}${ids === '' ? '' : ` (${ids})`}`,
    version: null,
    connectMs: null,
    failure: { kind, code: code ?? null, errno: errno ?? null, hint },
    clusterSize: null,
    localIndex: null,
    desync: null,
    rejectQueries: null,
    readOnly: null,
    galera: null,
    replication: null,
  };
  return { facts, probe: undefined };
}

async function readGaleraSettings(query: Query): Promise<GaleraSettings> {
  const syncWait = await scalar(query, 'SELECT @@global.wsrep_sync_wait AS v');
  const options = await scalar(query, 'SELECT @@global.wsrep_provider_options AS v');
  const duration = (name: string): number | null => {
    if (typeof options !== 'string') return null;
    const value = providerOption(options, name);
    return value === null ? null : parseGaleraDuration(value);
  };
  return {
    syncWait: syncWait === null ? null : Number(syncWait),
    suspectTimeoutMs: duration('evs.suspect_timeout'),
    inactiveTimeoutMs: duration('evs.inactive_timeout'),
  };
}

async function readReplicationSettings(query: Query): Promise<ReplicationSettings> {
  const gtidMode = await scalar(query, 'SELECT @@global.gtid_mode AS v');
  const status = await replicaStatus(query);
  const semiSyncActive = await scalar(
    query,
    "SELECT VARIABLE_VALUE AS v FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('RPL_SEMI_SYNC_MASTER_STATUS', 'RPL_SEMI_SYNC_SOURCE_STATUS')",
  );
  return {
    gtidStrictMode: await flag(query, 'SELECT @@global.gtid_strict_mode AS v'),
    gtidMode: gtidMode === null ? null : String(gtidMode),
    semiSyncPrimaryEnabled:
      (await flag(query, 'SELECT @@global.rpl_semi_sync_master_enabled AS v')) ??
      (await flag(query, 'SELECT @@global.rpl_semi_sync_source_enabled AS v')),
    semiSyncPrimaryActive: semiSyncActive === null ? null : isOn(semiSyncActive),
    semiSyncReplicaEnabled:
      (await flag(query, 'SELECT @@global.rpl_semi_sync_slave_enabled AS v')) ??
      (await flag(query, 'SELECT @@global.rpl_semi_sync_replica_enabled AS v')),
    ...status,
  };
}

type ReplicaStatus = Pick<
  ReplicationSettings,
  'isReplica' | 'ioRunning' | 'sqlRunning' | 'lagMs' | 'lastIoErrno' | 'lastSqlErrno'
>;

const UNKNOWN_STATUS: ReplicaStatus = {
  isReplica: null,
  ioRunning: null,
  sqlRunning: null,
  lagMs: null,
  lastIoErrno: null,
  lastSqlErrno: null,
};

/** SHOW SLAVE STATUS (SHOW REPLICA STATUS on MySQL 8.4); all null without the privilege to read it. */
async function replicaStatus(query: Query): Promise<ReplicaStatus> {
  let rows: Record<string, unknown>[] | undefined;
  for (const sql of ['SHOW SLAVE STATUS', 'SHOW REPLICA STATUS']) {
    try {
      rows = await query(sql);
      break;
    } catch {
      // 1064 on MySQL 8.4 for the old name; 1227 without REPLICA MONITOR / REPLICATION CLIENT.
    }
  }
  if (rows === undefined) return UNKNOWN_STATUS;
  const row = rows[0];
  if (row === undefined) return { ...UNKNOWN_STATUS, isReplica: false };
  const seconds = row.Seconds_Behind_Master ?? row.Seconds_Behind_Source;
  return {
    isReplica: true,
    ioRunning: String(row.Slave_IO_Running ?? row.Replica_IO_Running) === 'Yes',
    sqlRunning: String(row.Slave_SQL_Running ?? row.Replica_SQL_Running) === 'Yes',
    lagMs: seconds === null || seconds === undefined ? null : Number(seconds) * 1000,
    lastIoErrno: numberOrNull(row.Last_IO_Errno),
    lastSqlErrno: numberOrNull(row.Last_SQL_Errno),
  };
}

/** One value, or null when the server has no such variable (1193) or refuses the statement. */
async function scalar(query: Query, sql: string): Promise<unknown> {
  try {
    const rows = await query(sql);
    const value = rows[0]?.v;
    return value === undefined ? null : value;
  } catch {
    return null;
  }
}

async function flag(query: Query, sql: string): Promise<boolean | null> {
  const value = await scalar(query, sql);
  return value === null ? null : isOn(value);
}

function isOn(value: unknown): boolean {
  if (typeof value === 'string') return value === '1' || value.toUpperCase() === 'ON';
  return value === 1 || value === true || value === 1n;
}

function numberOrNull(value: unknown): number | null {
  const parsed = Number(value);
  return value === null || value === undefined || !Number.isFinite(parsed) ? null : parsed;
}
