import { classify, DEFAULT_POLICY } from '@goneaway/core';
import mysql from 'mysql2/promise';
import { runChecks } from './checks/run-checks.js';
import { closeQuietly } from './connection/close-quietly.js';
import type { MysqlTarget } from './connection/parse-mysql-url.js';
import { scrubSecret } from './connection/redact-secrets.js';
import type {
  ConnectFailure,
  Finding,
  FindingValue,
  PoolAssumptions,
  ServerSummary,
} from './doctor-report.js';
import { readOsKeepAlive } from './facts/read-os-keepalive.js';
import { readServerFacts } from './facts/read-server-facts.js';
import type { ServerFacts } from './facts/server-facts.js';

export type ServerCheck =
  | { readonly ok: true; readonly server: ServerSummary; readonly findings: Finding[] }
  | { readonly ok: false; readonly failure: ConnectFailure };

/**
 * The single-server checks: connects once to `target`, reads its settings and status, judges them
 * against the pool, and closes with COM_QUIT. Never rejects for a server problem.
 */
export async function checkServer(
  target: MysqlTarget,
  assumptions: PoolAssumptions,
  timeoutMs: number,
): Promise<ServerCheck> {
  const started = performance.now();
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      connectTimeout: timeoutMs,
      ...(target.ssl ? { ssl: {} } : {}),
    });
  } catch (error) {
    return { ok: false, failure: connectFailure(error, target.password) };
  }
  const connectMs = Math.round(performance.now() - started);
  // A socket error while a query runs rejects that query; without a listener it would also be thrown.
  connection.on('error', () => {});

  let facts: ServerFacts;
  try {
    facts = await readServerFacts({
      query: async (sql) => {
        const [rows] = await connection.query({ sql, timeout: timeoutMs });
        return rows as Record<string, unknown>[];
      },
    });
  } catch (error) {
    connection.destroy();
    return { ok: false, failure: connectFailure(error, target.password) };
  }
  await closeQuietly(connection, timeoutMs);

  const keepAlive = await readOsKeepAlive();
  const findings = runChecks({ facts, keepAlive, pool: assumptions, policy: DEFAULT_POLICY }).map(jsonSafe);
  return {
    ok: true,
    server: {
      version: facts.limits.version,
      flavor: facts.limits.flavor,
      connectionId: facts.limits.connectionId,
      connectMs,
    },
    findings,
  };
}

export function connectFailure(error: unknown, password: string | undefined): ConnectFailure {
  const { kind, code, errno, hint } = classify(error);
  const raw = error instanceof Error ? error.message : String(error);
  return { kind, code: code ?? null, errno: errno ?? null, hint, message: scrubSecret(raw, password) };
}

/** JSON has no Infinity: a limit that never applies is `null` in `values`. */
function jsonSafe(finding: Finding): Finding {
  const values: Record<string, FindingValue> = {};
  for (const [key, value] of Object.entries(finding.values)) {
    values[key] = typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  return { ...finding, values };
}
