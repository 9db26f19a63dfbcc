import type { Finding, Severity } from '../doctor-report.js';
import { groupDigits } from '../format/format-bytes.js';
import { worstSeverity } from '../worst-severity.js';
import type { CheckInput } from './check-input.js';

/** Pools that may take more than this share of max_connections leave too little for deploys and admins. */
export const CROWDED_SHARE = 0.8;

/**
 * max_connections (and the account's max_user_connections) against what the pools may open,
 * pool.max × instances, given the connections already open (Threads_connected, minus the doctor's own).
 */
export function checkMaxConnections({ facts, pool }: CheckInput): Finding {
  const { maxConnections, maxUserConnections, threadsConnected, maxUsedConnections } = facts;
  const wanted = pool.poolMax * pool.instances;
  const others = Math.max(0, threadsConnected - 1);
  const headroom = maxConnections - others - wanted;
  const pools =
    `pool.max ${pool.poolMax} × ${pool.instances} instance${pool.instances === 1 ? '' : 's'} = ` +
    `${groupDigits(wanted)} connections`;
  const server =
    `max_connections is ${groupDigits(maxConnections)}, ${groupDigits(others)} other connection${others === 1 ? '' : 's'} ` +
    `open now (Threads_connected ${groupDigits(threadsConnected)} includes the doctor's own)`;
  const findings: { severity: Severity; text: string }[] = [];
  if (maxUserConnections > 0 && wanted > maxUserConnections) {
    findings.push({
      severity: 'severe',
      text: `this account may open only ${groupDigits(maxUserConnections)} (max_user_connections): beyond that, connects fail with error 1203`,
    });
  }
  if (wanted > maxConnections) {
    findings.push({
      severity: 'severe',
      text: 'the pools alone can exceed max_connections: under load new connections fail with error 1040 "Too many connections"',
    });
  } else if (headroom < 0) {
    findings.push({
      severity: 'warn',
      text: `if the connections open now belong to other clients, full pools would need ${groupDigits(-headroom)} more than the server allows (error 1040)`,
    });
  } else if (wanted > maxConnections * CROWDED_SHARE) {
    findings.push({
      severity: 'warn',
      text: `the pools may take ${Math.round((wanted / maxConnections) * 100)} % of max_connections, leaving little for a rolling deploy (old and new instances overlap), migrations and admins`,
    });
  }
  if (maxUsedConnections >= maxConnections) {
    findings.push({
      severity: 'warn',
      text: `the server already ran out once since it started (Max_used_connections ${groupDigits(maxUsedConnections)})`,
    });
  }
  const severity = worstSeverity(findings.map((f) => f.severity));
  const detail =
    findings.length === 0
      ? `${groupDigits(headroom)} to spare with full pools`
      : findings.map((f) => f.text).join('; ');
  const fix =
    severity === 'ok'
      ? 'Nothing to change; keep pool.max × instances (doubled during a rolling deploy) below max_connections.'
      : 'Lower pool.max (5–10 per process is usually plenty: a connection serves one query at a time, quickly) ' +
        'or run fewer instances per server, or raise max_connections (SET GLOBAL max_connections = N and in ' +
        'my.cnf; each connection costs server memory), or put a proxy (ProxySQL, MaxScale) in front. goneaway ' +
        'classifies 1040/1203 as too-many-connections and retries within its outage budget, but cannot create capacity.';
  return {
    id: 'max-connections',
    title: 'max_connections',
    severity,
    summary: `${pools}; ${server}; ${detail}.`,
    fix,
    values: {
      maxConnections,
      maxUserConnections,
      poolMax: pool.poolMax,
      instances: pool.instances,
      poolConnections: wanted,
      threadsConnected,
      otherConnections: others,
      maxUsedConnections,
      headroom,
    },
  };
}
