import type { Finding } from '../doctor-report.js';
import { formatSeconds } from '../format/format-duration.js';
import type { CheckInput } from './check-input.js';

/** The servers' defaults; lower values cut off slow uploads and slowly read results. */
export const DEFAULT_NET_READ_TIMEOUT_SECONDS = 30;
export const DEFAULT_NET_WRITE_TIMEOUT_SECONDS = 60;

/**
 * net_read_timeout: how long the server waits for the rest of a statement the client is sending
 * (a large BLOB over a slow link). net_write_timeout: how long it waits for the client to take the
 * next part of a result (a knex `.stream()` whose consumer applies backpressure). Either expiring
 * aborts the connection mid-statement: "lost connection to server during query".
 */
export function checkNetTimeouts({ facts }: CheckInput): Finding {
  const read = facts.netReadTimeoutSeconds;
  const write = facts.netWriteTimeoutSeconds;
  const lowRead = read < DEFAULT_NET_READ_TIMEOUT_SECONDS;
  const lowWrite = write < DEFAULT_NET_WRITE_TIMEOUT_SECONDS;
  const problems: string[] = [];
  if (lowRead) {
    problems.push(
      `a statement that takes more than ${formatSeconds(read)} to arrive (a large BLOB upload over a slow link) is aborted`,
    );
  }
  if (lowWrite) {
    problems.push(
      `a result the app reads slowly (a stream whose consumer pauses over ${formatSeconds(write)}) is aborted and the connection lost mid-stream`,
    );
  }
  const base = `net_read_timeout is ${formatSeconds(read)}, net_write_timeout ${formatSeconds(write)}`;
  return {
    id: 'net-timeouts',
    title: 'net timeouts',
    severity: problems.length > 0 ? 'warn' : 'ok',
    summary:
      problems.length > 0
        ? `${base}, below the defaults (30 s, 60 s): ${problems.join('; ')}.`
        : `${base} (defaults 30 s, 60 s or more).`,
    fix:
      problems.length > 0
        ? 'SET GLOBAL net_read_timeout = 30, net_write_timeout = 60 (the defaults) or more, and in my.cnf; ' +
          'for long streams raise net_write_timeout per session (SET SESSION net_write_timeout = 600) in pool.afterCreate.'
        : 'Nothing to change; for long streams to slow consumers raise net_write_timeout per session.',
    values: { netReadTimeoutSeconds: read, netWriteTimeoutSeconds: write },
  };
}
