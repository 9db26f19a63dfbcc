import type { Finding } from '../doctor-report.js';
import { formatDuration } from '../format/format-duration.js';
import type { CheckInput } from './check-input.js';

/** A server-wide statement limit under this aborts ordinary work (reports, migrations, backfills). */
export const TIGHT_STATEMENT_LIMIT_MS = 1000;

/** MariaDB's max_statement_time (seconds, every statement) or MySQL's max_execution_time (ms, SELECT only). */
export function checkStatementTimeout({ facts }: CheckInput): Finding {
  const { maxStatementTimeSeconds, maxExecutionTimeMs } = facts;
  const values = {
    maxStatementTimeSeconds: maxStatementTimeSeconds ?? null,
    maxExecutionTimeMs: maxExecutionTimeMs ?? null,
  };
  const title = 'statement limit';
  let variable: string;
  let limitMs: number;
  let error: string;
  if (maxStatementTimeSeconds !== undefined) {
    variable = 'max_statement_time';
    limitMs = maxStatementTimeSeconds * 1000;
    error = 'error 1969';
  } else if (maxExecutionTimeMs !== undefined) {
    variable = 'max_execution_time';
    limitMs = maxExecutionTimeMs;
    error = 'error 3024 (SELECTs only)';
  } else {
    return {
      id: 'statement-timeout',
      title,
      severity: 'info',
      summary:
        'The server has neither max_statement_time (MariaDB) nor max_execution_time (MySQL): no server-side statement limit.',
      fix: "Optional: bound queries from the app (knex's .timeout(ms), or goneaway's statementTimeoutMs).",
      values,
    };
  }
  if (limitMs === 0) {
    return {
      id: 'statement-timeout',
      title,
      severity: 'info',
      summary: `${variable} is 0 (off): a runaway query holds its connection, and a pool slot, until it ends.`,
      fix:
        'Optional: a limit protects the pool: MariaDB SET GLOBAL max_statement_time = 30 (seconds), MySQL ' +
        "SET GLOBAL max_execution_time = 30000 (ms, SELECTs only); or per query with knex's .timeout(ms) or " +
        "goneaway's statementTimeoutMs.",
      values,
    };
  }
  const tight = limitMs < TIGHT_STATEMENT_LIMIT_MS;
  return {
    id: 'statement-timeout',
    title,
    severity: tight ? 'warn' : 'info',
    summary:
      `${variable} is ${formatDuration(limitMs)}: statements running longer are aborted with ${error}; ` +
      'goneaway classifies that as statement-timeout and never retries it (it would time out again)' +
      `${tight ? '; a limit this tight also aborts ordinary reports, migrations and backfills' : ''}.`,
    fix: tight
      ? `Raise ${variable} globally (a few seconds or more), and tighten it per session only where wanted ` +
        `(SET SESSION ${variable} = … in pool.afterCreate).`
      : 'Nothing to change if this limit is intended; jobs that need longer can raise it per session.',
    values,
  };
}
