import { deriveConnectionLimits, idleCeilingMs } from '@goneaway/core/adapter';
import type { Finding, Severity } from '../doctor-report.js';
import { formatDuration, formatSeconds } from '../format/format-duration.js';
import type { CheckInput } from './check-input.js';

/** Below this a wait_timeout is short enough that idle connections churn even when handled well. */
export const SHORT_WAIT_TIMEOUT_SECONDS = 60;

/**
 * wait_timeout against the pool's idle and lifetime settings, and what goneaway derives from it.
 * Bare knex + mysql2: tarn reaps idle connections above pool.min after `idleTimeoutMillis`; knex checks
 * `maxConnectionLifetimeMillis` only when a connection is acquired (knex/lib/client.js, validate). A
 * connection the server has already closed is found on acquire when its error event arrived in time,
 * else the query that races the close fails.
 */
export function checkWaitTimeout({ facts, pool, policy }: CheckInput): Finding {
  const waitSeconds = facts.limits.waitTimeoutSeconds;
  const waitMs = waitSeconds * 1000;
  const ceilingMs = idleCeilingMs(waitSeconds);
  const upper = deriveConnectionLimits({ waitTimeoutSeconds: waitSeconds }, policy, () => 0).limits;
  const lower = deriveConnectionLimits({ waitTimeoutSeconds: waitSeconds }, policy, () => 1).limits;
  const derived =
    `goneaway would retire connections idle over ${range(lower.idleLimitMs, upper.idleLimitMs)} ` +
    `and any connection older than ${range(lower.maxLifetimeMs, upper.maxLifetimeMs)} ` +
    '(per-connection jitter), always before the server closes them';
  const values = {
    waitTimeoutSeconds: waitSeconds,
    poolIdleMs: pool.idleMs,
    poolLifetimeMs: pool.lifetimeMs,
    safeIdleCeilingMs: ceilingMs,
    goneawayIdleLimitMs: upper.idleLimitMs,
    goneawayIdleLimitMinMs: lower.idleLimitMs,
    goneawayMaxLifetimeMs: upper.maxLifetimeMs,
    goneawayMaxLifetimeMinMs: lower.maxLifetimeMs,
  };
  const title = 'wait_timeout';
  const server = `wait_timeout is ${formatSeconds(waitSeconds)}`;
  const short = waitSeconds < SHORT_WAIT_TIMEOUT_SECONDS;
  const raiseWait =
    `raise wait_timeout (SET GLOBAL wait_timeout = 28800 and wait_timeout = 28800 under [mysqld] in my.cnf) ` +
    'unless it is short on purpose';

  if (pool.goneaway) {
    const severity: Severity = short ? 'warn' : 'ok';
    const churn = short
      ? `; every pause longer than ${formatDuration(upper.idleLimitMs)} costs a new connection (connect + handshake)`
      : '';
    return {
      id: 'wait-timeout',
      title,
      severity,
      summary: `${server}; ${derived}${churn}.`,
      fix: short ? `Nothing breaks; to save reconnects ${raiseWait}.` : 'Nothing to change.',
      values,
    };
  }

  const useGoneaway = `wrap the knex config with goneAway() (it retires connections idle over ${formatDuration(upper.idleLimitMs)})`;
  const tune = `or set pool.idleTimeoutMillis below ${formatDuration(ceilingMs)} and pool.min: 0`;
  const lifetimeProtects = pool.lifetimeMs !== null && pool.lifetimeMs <= ceilingMs;
  const poolIdle = `the pool keeps an idle connection for ${formatDuration(pool.idleMs)}`;
  let severity: Severity;
  let what: string;
  if (lifetimeProtects) {
    severity = short || pool.idleMs >= waitMs ? 'warn' : 'info';
    what =
      `${poolIdle}, but knex's maxConnectionLifetimeMillis (${formatDuration(pool.lifetimeMs ?? 0)}) replaces ` +
      'any connection older than that when it is acquired, so a connection the server closed is not used; ' +
      'knex still logs "Connection Error" for those the server closed first';
  } else if (pool.idleMs >= waitMs) {
    severity = 'severe';
    what =
      `${poolIdle} but the server closes it after ${formatDuration(waitMs)}: after any pause between the two, ` +
      'the next query gets a dead connection (ECONNRESET / PROTOCOL_CONNECTION_LOST, knex logs ' +
      '"Connection Error"), and a query sent as the server closes the connection fails';
  } else if (pool.idleMs > ceilingMs) {
    severity = 'warn';
    what =
      `${poolIdle}, within the safety margin of wait_timeout (safe up to ${formatDuration(ceilingMs)}): ` +
      'a connection handed out just before the pool would reap it can reach the server after it closed it';
  } else {
    severity = short ? 'warn' : 'info';
    what =
      `${poolIdle}, below wait_timeout, but knex keeps pool.min connections (default 2) however long they ` +
      `idle: after a quiet spell over ${formatDuration(waitMs)} they are dead; knex drops them on the next ` +
      'acquire (logging "Connection Error"), and a query that starts as the server closes one fails';
  }
  const fix =
    severity === 'info'
      ? `Optional: ${useGoneaway}, or set pool.min: 0.`
      : `${capitalise(useGoneaway)}, ${tune}${short ? `, or ${raiseWait}` : ''}.`;
  return { id: 'wait-timeout', title, severity, summary: `${server}; ${what}. ${derived}.`, fix, values };
}

function range(lowMs: number, highMs: number): string {
  if (!Number.isFinite(highMs)) return 'never';
  const low = formatDuration(lowMs);
  const high = formatDuration(highMs);
  return low === high ? high : `${low}–${high}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
