import {
  errnoOf,
  type GaleraFacts,
  type ProbeConnection,
  type ProbeResult,
  readFlag,
  readNumberOrUndefined,
} from './probe-result.js';

const STATUS_NAMES = [
  'WSREP_READY',
  'WSREP_LOCAL_STATE',
  'WSREP_LOCAL_INDEX',
  'WSREP_CLUSTER_STATUS',
  'WSREP_CLUSTER_SIZE',
];

/**
 * One round trip: each wsrep status value by a scalar subquery on information_schema.GLOBAL_STATUS,
 * beside the variables a monitor must see. SHOW STATUS cannot share a statement with a SELECT. Not an
 * aggregate over GLOBAL_STATUS with the variables beside it: on MariaDB 10.11, `@@global.read_only`,
 * `@@global.wsrep_desync` and `@@global.wsrep_on` read 0 in a statement whose FROM is that table, even
 * when they are 1 (seen on a real Galera node; test/cluster-monitor/galera-single-node.test.ts). A node
 * is told to be Galera by `wsrep_provider` ('none' without Galera). A node outside the primary
 * component still answers, because the statement reads information_schema only.
 */
export const GALERA_PROBE_SQL =
  'SELECT ' +
  STATUS_NAMES.map(
    (name) =>
      `(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '${name}') AS ${name.toLowerCase()}`,
  ).join(', ') +
  ', @@global.wsrep_provider AS wsrep_provider, @@global.wsrep_desync AS wsrep_desync,' +
  ' @@global.wsrep_reject_queries AS wsrep_reject_queries, @@global.read_only AS read_only';

/** ER_UNKNOWN_SYSTEM_VARIABLE (no wsrep variables: MySQL), ER_UNKNOWN_TABLE / ER_NO_SUCH_TABLE (no GLOBAL_STATUS). */
const NOT_GALERA_ERRNOS = new Set([1193, 1109, 1146]);
/** ER_UNKNOWN_COM_ERROR: "WSREP has not yet prepared node for application use". */
const WSREP_NOT_READY_ERRNO = 1047;

const LOCAL_STATE_NAMES: Readonly<Record<number, string>> = {
  1: 'Joining',
  2: 'Donor/Desynced',
  3: 'Joined',
  4: 'Synced',
};

/** Asks a Galera node whether it can take writes (one round trip). A connection failure rejects. */
export async function probeGalera(connection: ProbeConnection): Promise<ProbeResult> {
  let rows: ReadonlyArray<Record<string, unknown>>;
  try {
    rows = await connection.query(GALERA_PROBE_SQL);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === WSREP_NOT_READY_ERRNO) {
      return { state: 'non-primary', reason: 'the node rejects queries: WSREP not ready (1047)' };
    }
    if (errno !== undefined && NOT_GALERA_ERRNOS.has(errno)) {
      return { state: 'down', reason: `not a Galera node (no wsrep variables: error ${errno})` };
    }
    throw error;
  }
  return interpretGaleraRow(rows[0]);
}

/** The state of a node from GALERA_PROBE_SQL's row: pure, so every wsrep state is unit-tested. */
export function interpretGaleraRow(row: Record<string, unknown> | undefined): ProbeResult {
  if (row === undefined) return { state: 'down', reason: 'the Galera probe returned no row' };
  const provider = row.wsrep_provider;
  if (
    provider === null ||
    provider === undefined ||
    provider === '' ||
    String(provider).toLowerCase() === 'none'
  ) {
    return { state: 'down', reason: 'not a Galera node (wsrep_provider is none)' };
  }
  const galera: GaleraFacts = {
    localIndex: readLocalIndex(row.wsrep_local_index),
    localState: readNumberOrUndefined(row.wsrep_local_state),
    clusterStatus: shortWord(row.wsrep_cluster_status),
    clusterSize: readNumberOrUndefined(row.wsrep_cluster_size),
    ready: readFlag(row.wsrep_ready),
    desync: readFlag(row.wsrep_desync),
    rejectQueries: shortWord(row.wsrep_reject_queries)?.toUpperCase() ?? 'NONE',
  };
  if (galera.clusterStatus !== 'Primary') {
    return {
      state: 'non-primary',
      reason: `wsrep_cluster_status is ${galera.clusterStatus ?? 'missing'}`,
      galera,
    };
  }
  if (!galera.ready) return { state: 'non-primary', reason: 'wsrep_ready is OFF', galera };
  if (galera.localState !== 4) {
    const name =
      galera.localState === undefined ? 'missing' : (LOCAL_STATE_NAMES[galera.localState] ?? 'unknown');
    return {
      state: 'desynced',
      reason: `wsrep_local_state is ${galera.localState ?? '?'} (${name})`,
      galera,
    };
  }
  if (galera.desync) return { state: 'desynced', reason: 'wsrep_desync is ON', galera };
  if (galera.rejectQueries !== 'NONE') {
    return { state: 'down', reason: `wsrep_reject_queries is ${galera.rejectQueries}`, galera };
  }
  if (readFlag(row.read_only)) return { state: 'read-only', reason: 'read_only is ON', galera };
  if (galera.localIndex === undefined)
    return { state: 'down', reason: 'wsrep_local_index is missing', galera };
  return { state: 'up', reason: `Synced, wsrep_local_index ${galera.localIndex}`, galera };
}

/** A node outside any cluster reports 18446744073709551615 (-1 as an unsigned 64-bit number): no index. */
function readLocalIndex(raw: unknown): number | undefined {
  const index = readNumberOrUndefined(raw);
  return index !== undefined && Number.isSafeInteger(index) && index >= 0 ? index : undefined;
}

/** A server-defined word (`Primary`, `non-Primary`, `ALL`): kept short and printable for messages. */
function shortWord(raw: unknown): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const text = String(raw).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}
