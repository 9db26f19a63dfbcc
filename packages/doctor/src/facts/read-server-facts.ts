import { type QueryableConnection, readServerLimits } from '@goneaway/core/adapter';
import type { ServerFacts } from './server-facts.js';

/**
 * `SHOW … WHERE Variable_name IN (…)` instead of `SELECT @@x`: a variable one flavour lacks
 * (MariaDB's max_statement_time, MySQL's max_execution_time) is simply absent from the rows instead
 * of failing the statement with 1193, so one text serves MariaDB, MySQL and forks alike.
 */
export const SERVER_VARIABLES_SQL =
  'SHOW SESSION VARIABLES WHERE Variable_name IN (' +
  "'version_comment', 'max_connections', 'max_user_connections', 'net_read_timeout'," +
  " 'net_write_timeout', 'max_statement_time', 'max_execution_time')";

export const SERVER_STATUS_SQL =
  'SHOW GLOBAL STATUS WHERE Variable_name IN (' +
  "'Threads_connected', 'Max_used_connections', 'Aborted_clients', 'Uptime')";

/** Three statements on the doctor's connection: core's limits, then variables and status. */
export async function readServerFacts(connection: QueryableConnection): Promise<ServerFacts> {
  const limits = await readServerLimits(connection);
  const variables = toMap(await connection.query(SERVER_VARIABLES_SQL));
  const status = toMap(await connection.query(SERVER_STATUS_SQL));
  return {
    limits,
    versionComment: variables.get('version_comment'),
    maxConnections: requiredNumber(variables, 'max_connections'),
    maxUserConnections: optionalNumber(variables, 'max_user_connections') ?? 0,
    netReadTimeoutSeconds: requiredNumber(variables, 'net_read_timeout'),
    netWriteTimeoutSeconds: requiredNumber(variables, 'net_write_timeout'),
    maxStatementTimeSeconds: optionalNumber(variables, 'max_statement_time'),
    maxExecutionTimeMs: optionalNumber(variables, 'max_execution_time'),
    threadsConnected: requiredNumber(status, 'threads_connected'),
    maxUsedConnections: requiredNumber(status, 'max_used_connections'),
    abortedClients: requiredNumber(status, 'aborted_clients'),
    uptimeSeconds: requiredNumber(status, 'uptime'),
  };
}

/** SHOW rows are `{ Variable_name, Value }`; names are compared in lower case (servers differ). */
function toMap(rows: ReadonlyArray<Record<string, unknown>>): Map<string, string> {
  const map = new Map<string, string>();
  for (const row of rows) {
    const name = row.Variable_name ?? row.variable_name;
    const value = row.Value ?? row.value;
    if (typeof name === 'string' && value !== undefined && value !== null) {
      map.set(name.toLowerCase(), String(value));
    }
  }
  return map;
}

function optionalNumber(map: ReadonlyMap<string, string>, name: string): number | undefined {
  const raw = map.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new TypeError(`the server reported ${name} = a non-number`);
  return value;
}

function requiredNumber(map: ReadonlyMap<string, string>, name: string): number {
  const value = optionalNumber(map, name);
  if (value === undefined) throw new TypeError(`the server did not report ${name}`);
  return value;
}
