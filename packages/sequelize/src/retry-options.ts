import { describeSql, findGoneAwayError, isConnectionLost, isReadOnlyStatement } from '@goneaway/core';
import { decideRetry } from '@goneaway/core/adapter';
import type { SequelizeGoneAway } from './sequelize-goneaway.js';

/** Sequelize's `retry` option (retry-as-promised's options), as goneaway reads and writes it. */
export interface SequelizeRetryOptions {
  readonly max?: number;
  readonly match?: unknown;
  readonly backoffBase?: number;
  readonly backoffExponent?: number;
  readonly backoffJitter?: number;
  readonly timeout?: number;
  readonly name?: string;
  // biome-ignore lint/suspicious/noExplicitAny: retry-as-promised types the error of a report as `any`.
  readonly report?: (message: string, options: any, error?: any) => void;
}

/** What goneAwaySequelize puts in Sequelize's `retry` option. */
export interface GoneAwayRetryOptions extends SequelizeRetryOptions {
  readonly max: number;
  // biome-ignore lint/complexity/noBannedTypes: retry-as-promised's own MatchOption includes Function.
  readonly match: Function[];
  readonly backoffBase: number;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  readonly report: (message: string, options: any, error?: any) => void;
}

/** Sequelize's own default for `retry.max` (lib/sequelize.js). */
const SEQUELIZE_RETRY_MAX = 5;

function readString(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === 'string' ? found : undefined;
}

/**
 * Sequelize's `retry` option with goneaway's answer to "may this run again?". Sequelize runs a
 * failed `sequelize.query` again (a fresh `getConnection()`, the same statement) when an error
 * matches `retry.match`; its documentation suggests matching connection errors by name, which runs
 * again a write whose reply was lost after the server applied it. Here only a statement that lost
 * its connection (GONEAWAY_CONNECTION_LOST, so outside a transaction) and that goneaway's policy may
 * run again matches: a read, or a write that never reached the server. No delay is added: a new
 * connection's connect waits out an outage itself (within outageBudgetMs).
 *
 * retry-as-promised tests a function in `match` with `error instanceof match`: goneaway's matcher
 * answers through Symbol.hasInstance.
 */
export function goneAwayRetryOptions(
  goneaway: SequelizeGoneAway,
  retry: SequelizeRetryOptions | undefined,
): GoneAwayRetryOptions {
  const { runtime } = goneaway;
  /** The attempt each failure ended (retry-as-promised reports it just before it asks `match`). */
  const failedAttempt = new WeakMap<object, number>();
  const userReport = retry?.report;
  const report: GoneAwayRetryOptions['report'] = (message, options, error) => {
    if (typeof error === 'object' && error !== null) {
      failedAttempt.set(error, Number((options as { $current?: unknown } | undefined)?.$current) || 1);
    }
    userReport?.(message, options, error);
  };
  const backoffBase = retry?.backoffBase ?? 0;

  const mayRunAgain = (error: unknown): boolean => {
    const lost = findGoneAwayError(error);
    if (!isConnectionLost(lost) || lost.classification === undefined) return false;
    // Sequelize hands the statement to goneaway's error (kept aside, see withoutStatementValues).
    const sql = goneaway.statementOf(lost) ?? readString(error, 'sql');
    const safety = sql !== undefined && isReadOnlyStatement(sql) ? 'read' : 'write';
    if (decideRetry(lost.classification, { safety }, false, runtime.policy) !== 'retry') return false;
    const attempt = failedAttempt.get(error as object) ?? 1;
    runtime.pipeline.hub.emit({
      type: 'retry',
      attempt,
      delayMs: Math.round(backoffBase * (retry?.backoffExponent ?? 1.1) ** (attempt - 1)),
      // retry-as-promised does not say when the first attempt failed; the next one starts now.
      elapsedMs: 0,
      classification: lost.classification,
      statement: sql === undefined ? undefined : describeSql(sql),
    });
    return true;
  };
  // An arrow function has no prototype: `instanceof` consults Symbol.hasInstance alone.
  const matcher = Object.defineProperty(() => false, Symbol.hasInstance, {
    value: (error: unknown) => mayRunAgain(error),
  });

  return {
    ...retry,
    max: retry?.max ?? SEQUELIZE_RETRY_MAX,
    match: [matcher],
    backoffBase,
    report,
  };
}
