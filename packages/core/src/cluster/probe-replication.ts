import {
  errnoOf,
  type ProbeConnection,
  type ProbeFunction,
  type ProbeResult,
  type ReplicationFacts,
  readFlag,
  readNumberOrUndefined,
} from './probe-result.js';

/**
 * One round trip for "am I the writer?". MariaDB has no `super_read_only` (referencing it fails with
 * 1193), so, as SERVER_LIMITS_SQL does, MariaDB reads the `/*M! … *\/` parts (a constant 0 and the
 * MySQL part swallowed into a string) and MySQL skips them as comments and reads the variable.
 */
export const REPLICATION_PROBE_SQL =
  'SELECT @@global.read_only AS read_only, @@global.innodb_read_only AS innodb_read_only,' +
  " /*M! 0 AS super_read_only, '*/ @@global.super_read_only AS super_read_only, /*M! ' AS mysql_only_part, */" +
  ' 1 AS answered';

/** For a MySQL older than 5.7.8 (no super_read_only): the same without it. */
export const REPLICATION_PROBE_SQL_WITHOUT_SUPER_READ_ONLY =
  'SELECT @@global.read_only AS read_only, @@global.innodb_read_only AS innodb_read_only, 0 AS super_read_only';

export const REPLICA_STATUS_SQL = 'SHOW SLAVE STATUS';
/** MySQL 8.4 removed SHOW SLAVE STATUS; MariaDB 10.5+ and MySQL 8.0.22+ know this one. */
export const REPLICA_STATUS_SQL_NEW = 'SHOW REPLICA STATUS';

const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
const ER_PARSE_ERROR = 1064;
const ER_SPECIFIC_ACCESS_DENIED = 1227;

export interface ReplicationProbeOptions {
  /** Read the lag of read-only hosts (readers enabled): past this, or not replicating, a host is `lagging`. */
  readonly maxLagMs?: number;
}

/**
 * The probe of the `replication` flavor: writable → `up`; `read_only`, `super_read_only` or
 * `innodb_read_only` → `read-only`; with `maxLagMs` (readers enabled), a read-only host that does
 * not replicate, whose replication is stopped, or whose `Seconds_Behind_Master` is past it → `lagging`.
 */
export function replicationProbe(options: ReplicationProbeOptions = {}): ProbeFunction {
  return async (connection) => {
    const replication = await readWriterFlags(connection);
    const result = interpretReplicationFlags(replication);
    if (result.state !== 'read-only' || options.maxLagMs === undefined) return result;
    return classifyLag(replication, await readLag(connection), options.maxLagMs);
  };
}

/** The `proxy` flavor's check: is the server behind the address writable? (No lag: one address.) */
export const probeProxy: ProbeFunction = replicationProbe();

export function interpretReplicationFlags(replication: ReplicationFacts): ProbeResult {
  if (replication.innodbReadOnly)
    return { state: 'read-only', reason: 'innodb_read_only is ON', replication };
  if (replication.superReadOnly) return { state: 'read-only', reason: 'super_read_only is ON', replication };
  if (replication.readOnly) return { state: 'read-only', reason: 'read_only is ON', replication };
  return { state: 'up', reason: 'writable (read_only is OFF)', replication };
}

type LagReading =
  | { readonly kind: 'lag'; readonly lagMs: number }
  | { readonly kind: 'not-replicating'; readonly why: string }
  | { readonly kind: 'unknown'; readonly why: string };

/** Pure: the state of a read-only host given its lag reading. */
export function classifyLag(replication: ReplicationFacts, lag: LagReading, maxLagMs: number): ProbeResult {
  if (lag.kind === 'lag') {
    const facts = { ...replication, lagMs: lag.lagMs };
    return lag.lagMs > maxLagMs
      ? {
          state: 'lagging',
          reason: `${lag.lagMs / 1000} s behind (more than ${maxLagMs} ms)`,
          replication: facts,
        }
      : { state: 'read-only', reason: `read-only replica, ${lag.lagMs / 1000} s behind`, replication: facts };
  }
  const facts = { ...replication, lagMs: null };
  return { state: 'lagging', reason: lag.why, replication: facts };
}

async function readWriterFlags(connection: ProbeConnection): Promise<ReplicationFacts> {
  let rows: ReadonlyArray<Record<string, unknown>>;
  try {
    rows = await connection.query(REPLICATION_PROBE_SQL);
  } catch (error) {
    if (errnoOf(error) !== ER_UNKNOWN_SYSTEM_VARIABLE) throw error;
    rows = await connection.query(REPLICATION_PROBE_SQL_WITHOUT_SUPER_READ_ONLY);
  }
  const row = rows[0];
  if (row === undefined) throw new TypeError('replication probe: the server returned no row');
  return {
    readOnly: readFlag(row.read_only),
    innodbReadOnly: readFlag(row.innodb_read_only),
    superReadOnly: readFlag(row.super_read_only),
  };
}

async function readLag(connection: ProbeConnection): Promise<LagReading> {
  let rows: ReadonlyArray<Record<string, unknown>>;
  try {
    rows = await connection.query(REPLICA_STATUS_SQL);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === ER_SPECIFIC_ACCESS_DENIED) {
      return {
        kind: 'unknown',
        why: 'lag unknown: reading replica status needs the REPLICA MONITOR (or REPLICATION CLIENT) privilege',
      };
    }
    if (errno !== ER_PARSE_ERROR) throw error;
    rows = await connection.query(REPLICA_STATUS_SQL_NEW);
  }
  const row = rows[0];
  if (row === undefined)
    return { kind: 'not-replicating', why: 'read-only but not a replica (no replica status)' };
  const seconds = readNumberOrUndefined(row.Seconds_Behind_Master ?? row.Seconds_Behind_Source);
  if (seconds === undefined) {
    return { kind: 'not-replicating', why: 'replication is not running (Seconds_Behind_Master is NULL)' };
  }
  return { kind: 'lag', lagMs: seconds * 1000 };
}
