import type { Finding } from '../doctor-report.js';
import { checkAbortedClients } from './check-aborted-clients.js';
import type { CheckInput } from './check-input.js';
import { checkInteractiveTimeout } from './check-interactive-timeout.js';
import { checkMaxAllowedPacket } from './check-max-allowed-packet.js';
import { checkMaxConnections } from './check-max-connections.js';
import { checkNetTimeouts } from './check-net-timeouts.js';
import { checkReadOnly } from './check-read-only.js';
import { checkServerVersion } from './check-server-version.js';
import { checkStatementTimeout } from './check-statement-timeout.js';
import { checkTcpKeepAlive } from './check-tcp-keepalive.js';
import { checkWaitTimeout } from './check-wait-timeout.js';

/** Every check, in report order (the causes of "gone away" first). Adding a check is one line. */
export const CHECKS: readonly ((input: CheckInput) => Finding)[] = Object.freeze([
  checkWaitTimeout,
  checkInteractiveTimeout,
  checkMaxAllowedPacket,
  checkMaxConnections,
  checkReadOnly,
  checkTcpKeepAlive,
  checkNetTimeouts,
  checkStatementTimeout,
  checkServerVersion,
  checkAbortedClients,
]);

export function runChecks(input: CheckInput): Finding[] {
  return CHECKS.map((check) => check(input));
}
