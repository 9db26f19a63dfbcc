import { classify, DEFAULT_POLICY } from '@goneaway/core';
import mysql from 'mysql2/promise';
import { runChecks } from './checks/run-checks.js';
import { parseMysqlUrl } from './connection/parse-mysql-url.js';
import { scrubSecret } from './connection/redact-secrets.js';
import type {
  DoctorOptions,
  DoctorReport,
  Finding,
  FindingCounts,
  FindingValue,
  PoolAssumptions,
  UnreachableReport,
} from './doctor-report.js';
import { readOsKeepAlive } from './facts/read-os-keepalive.js';
import { readServerFacts } from './facts/read-server-facts.js';
import type { ServerFacts } from './facts/server-facts.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, positiveInteger, resolveAssumptions } from './resolve-assumptions.js';
import { worstSeverity } from './worst-severity.js';

/**
 * Connects once, reads the server's settings and status, and judges them against the pool described
 * by `options`. Never rejects for a server problem: an unreachable server gives a report with
 * `connected: false` and the classified reason. Rejects with DoctorUsageError for invalid options.
 * Nothing in the report contains the password.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const assumptions = resolveAssumptions(options);
  const target = parseMysqlUrl(options.url);
  const timeoutMs = positiveInteger(
    'connectTimeoutMs',
    options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  );
  const base = { target: target.redacted, checkedAt: new Date().toISOString(), assumptions };

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
    return unreachable(base, error, target.password);
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
    return unreachable(base, error, target.password);
  }
  await closeQuietly(connection, timeoutMs);

  const keepAlive = await readOsKeepAlive();
  const findings = runChecks({ facts, keepAlive, pool: assumptions, policy: DEFAULT_POLICY }).map(jsonSafe);
  const worst = worstSeverity(findings.map((finding) => finding.severity));
  return {
    ...base,
    connected: true,
    server: {
      version: facts.limits.version,
      flavor: facts.limits.flavor,
      connectionId: facts.limits.connectionId,
      connectMs,
    },
    findings,
    counts: countBySeverity(findings),
    worst,
    exitCode: worst === 'severe' ? 1 : 0,
  };
}

function unreachable(
  base: { target: string; checkedAt: string; assumptions: PoolAssumptions },
  error: unknown,
  password: string | undefined,
): UnreachableReport {
  const { kind, code, errno, hint } = classify(error);
  const raw = error instanceof Error ? error.message : String(error);
  return {
    ...base,
    connected: false,
    failure: { kind, code: code ?? null, errno: errno ?? null, hint, message: scrubSecret(raw, password) },
    exitCode: 2,
  };
}

/** COM_QUIT, so the doctor's own visit does not count in the server's Aborted_clients. */
async function closeQuietly(connection: mysql.Connection, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.end(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('end timed out')), timeoutMs);
      }),
    ]);
  } catch {
    connection.destroy();
  } finally {
    clearTimeout(timer);
  }
}

function countBySeverity(findings: readonly Finding[]): FindingCounts {
  const counts = { ok: 0, info: 0, warn: 0, severe: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** JSON has no Infinity: a limit that never applies is `null` in `values`. */
function jsonSafe(finding: Finding): Finding {
  const values: Record<string, FindingValue> = {};
  for (const [key, value] of Object.entries(finding.values)) {
    values[key] = typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  return { ...finding, values };
}
