import type { Finding } from '../doctor-report.js';
import { groupDigits } from '../format/format-bytes.js';
import { formatDuration } from '../format/format-duration.js';
import type { CheckInput } from './check-input.js';

/**
 * Aborted_clients counts connections that ended without COM_QUIT: closed by the server after
 * wait_timeout (measured on MariaDB 10.11: one idle timeout = +1), killed, or dropped by a dead client.
 * Evidence that "gone away" is already happening, not a setting: never more than info.
 */
export function checkAbortedClients({ facts }: CheckInput): Finding {
  const { abortedClients, uptimeSeconds } = facts;
  const since = `since the server started ${formatDuration(uptimeSeconds * 1000)} ago`;
  return {
    id: 'aborted-clients',
    title: 'aborted clients',
    severity: abortedClients > 0 ? 'info' : 'ok',
    summary:
      abortedClients > 0
        ? `Aborted_clients is ${groupDigits(abortedClients)} ${since}: connections that ended without a clean ` +
          'close, mostly idle ones the server closed after wait_timeout, KILLed ones, or clients that died.'
        : `Aborted_clients is 0 ${since}: no connection has been timed out or dropped.`,
    fix:
      abortedClients > 0
        ? 'Nothing to change by itself; if it grows with traffic, connections are being timed out or dropped: see wait_timeout and TCP keepalive.'
        : 'Nothing to change.',
    values: { abortedClients, uptimeSeconds },
  };
}
