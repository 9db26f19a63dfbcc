import type { Finding, Severity } from '../doctor-report.js';
import { formatDuration, formatSeconds } from '../format/format-duration.js';
import type { CheckInput } from './check-input.js';

/**
 * Idle flows are dropped silently by NATs, firewalls and load balancers after a few minutes
 * (Azure Load Balancer: 4 min by default; AWS NLB: 350 s); a keepalive probe must come sooner.
 */
export const MIDDLEBOX_IDLE_SECONDS = 300;
const LINUX_DEFAULT_KEEPALIVE_SECONDS = 7200;

/**
 * mysql2 turns keepalive on with no delay of its own (`keepAliveInitialDelay` unset: Node leaves the
 * kernel's tcp_keepalive_time); goneaway sets `keepAliveInitialDelayMs` (30 s by default). Node sets
 * only the idle delay: the probe interval and count stay the kernel's.
 */
export function checkTcpKeepAlive({ keepAlive, pool, policy }: CheckInput): Finding {
  const osSeconds = keepAlive.timeSeconds;
  const goneawayDelayMs =
    policy.keepAliveInitialDelayMs === false ? undefined : policy.keepAliveInitialDelayMs;
  const appDelayMs = pool.goneaway ? goneawayDelayMs : osSeconds === undefined ? undefined : osSeconds * 1000;
  const probeTail =
    keepAlive.intervalSeconds !== undefined && keepAlive.probes !== undefined
      ? keepAlive.intervalSeconds * keepAlive.probes
      : undefined;
  const detectionSeconds =
    appDelayMs !== undefined && probeTail !== undefined ? appDelayMs / 1000 + probeTail : undefined;
  const os =
    osSeconds === undefined
      ? `the OS default could not be read here (Linux: ${formatSeconds(LINUX_DEFAULT_KEEPALIVE_SECONDS)})`
      : `the OS default here is tcp_keepalive_time ${formatSeconds(osSeconds)}` +
        (probeTail === undefined
          ? ''
          : `, then ${keepAlive.probes} probes ${formatSeconds(keepAlive.intervalSeconds ?? 0)} apart`);
  const app = pool.goneaway
    ? `goneaway sets a ${formatDuration(goneawayDelayMs ?? 0)} keepalive on every connection`
    : 'mysql2 enables keepalive with the OS delay';
  const detection =
    detectionSeconds === undefined
      ? ''
      : `; a dead peer is noticed after about ${formatDuration(detectionSeconds * 1000)} idle`;
  let severity: Severity;
  if (pool.goneaway)
    severity =
      goneawayDelayMs !== undefined && goneawayDelayMs / 1000 <= MIDDLEBOX_IDLE_SECONDS ? 'ok' : 'warn';
  else if (osSeconds === undefined) severity = 'info';
  else severity = osSeconds > MIDDLEBOX_IDLE_SECONDS ? 'warn' : 'ok';
  const risk =
    severity === 'ok'
      ? ''
      : '. A NAT, firewall or load balancer that drops idle flows sooner (Azure LB 4 min, AWS NLB 350 s) ' +
        'silently breaks idle pooled connections, and the next query on one hangs until TCP gives up';
  const fix =
    severity === 'ok'
      ? 'Nothing to change (keepalive keeps middleboxes from dropping idle connections; it does not count as activity for wait_timeout).'
      : 'Wrap the knex config with goneAway() (30 s keepalive), or pass keepAliveInitialDelay: 30000 in the ' +
        'mysql2 connection config, or lower net.ipv4.tcp_keepalive_time (sysctl) on the app hosts. Run the ' +
        'doctor where the app runs: the OS value is read on this machine.';
  return {
    id: 'tcp-keepalive',
    title: 'TCP keepalive',
    severity,
    summary: `${app}; ${os}${detection}${risk}.`,
    fix,
    values: {
      appKeepAliveDelayMs: appDelayMs ?? null,
      goneawayKeepAliveDelayMs: goneawayDelayMs ?? null,
      osKeepAliveTimeSeconds: osSeconds ?? null,
      osKeepAliveIntervalSeconds: keepAlive.intervalSeconds ?? null,
      osKeepAliveProbes: keepAlive.probes ?? null,
      deadPeerDetectionSeconds: detectionSeconds ?? null,
      source: keepAlive.source ?? null,
    },
  };
}
