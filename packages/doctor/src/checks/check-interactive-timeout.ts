import type { Finding } from '../doctor-report.js';
import { formatSeconds } from '../format/format-duration.js';
import type { CheckInput } from './check-input.js';

/**
 * interactive_timeout replaces wait_timeout only for sessions that connect with CLIENT_INTERACTIVE
 * (the mysql command-line client does; mysql2 does not unless told to with `flags`), so it is a
 * common red herring: raising it does nothing for an application pool.
 */
export function checkInteractiveTimeout({ facts }: CheckInput): Finding {
  const { interactiveTimeoutSeconds, waitTimeoutSeconds } = facts.limits;
  const differs = interactiveTimeoutSeconds !== waitTimeoutSeconds;
  return {
    id: 'interactive-timeout',
    title: 'interactive_timeout',
    severity: 'info',
    summary:
      `interactive_timeout is ${formatSeconds(interactiveTimeoutSeconds)}; it applies only to interactive ` +
      'clients (the mysql command line), not to mysql2 connections, which get wait_timeout, ' +
      `${formatSeconds(waitTimeoutSeconds)}${differs ? ': a timeout seen in the mysql client says nothing about the app' : ''}.`,
    fix:
      'Nothing to change for the app. Tune wait_timeout, not interactive_timeout, for pooled connections ' +
      "(unless the app connects with mysql2's flags: ['INTERACTIVE']).",
    values: { interactiveTimeoutSeconds, waitTimeoutSeconds },
  };
}
