import type { ClusterPolicy } from '@goneaway/core';
import {
  type ClusterMonitorRegistry,
  type ClusterRole,
  type ClusterRouting,
  createClusterRouting,
  type EventHub,
  sharedClusterMonitors,
  WriterRouting,
} from '@goneaway/core/adapter';
import { mysql2ProbeConnector } from './mysql2-probe-connector.js';

/** Who connects, read from a pool's options or URL: pools of different users do not share a monitor. */
export function userOf(config: unknown): string {
  if (typeof config === 'string') {
    try {
      return decodeURIComponent(new URL(config).username);
    } catch {
      return '';
    }
  }
  const { user, uri } = (config ?? {}) as { user?: unknown; uri?: unknown };
  if (typeof user === 'string') return user;
  // mysql2's `uri` option: its user unless the options name one.
  return typeof uri === 'string' ? userOf(uri) : '';
}

/**
 * A pool's (or a lone connection's) routing to the writer of the `cluster` option: a lease on the
 * process-wide monitor of that cluster and user (one per pool, given back by pool.end()), whose
 * probes connect with the module's own createConnection and the pool's options, and whose events
 * reach the pool's hub.
 */
export function writerRoutingFor(
  createConnection: (config: unknown) => unknown,
  config: unknown,
  cluster: ClusterPolicy,
  events: EventHub,
  registry: ClusterMonitorRegistry = sharedClusterMonitors,
): WriterRouting {
  return new WriterRouting(leaseFor(createConnection, config, cluster, events, registry));
}

/**
 * The same for a pool of either `role`: to the writer, or over the readers in rotation (ReaderRouting).
 * One lease on the shared monitor either way, so a writer pool and a reader pool of one cluster and
 * user probe each host once.
 */
export function clusterRoutingFor(
  createConnection: (config: unknown) => unknown,
  config: unknown,
  policy: { readonly cluster: ClusterPolicy; readonly role: ClusterRole },
  events: EventHub,
  registry: ClusterMonitorRegistry = sharedClusterMonitors,
): ClusterRouting {
  const lease = leaseFor(createConnection, config, policy.cluster, events, registry);
  return createClusterRouting(policy.role, lease, policy.cluster);
}

function leaseFor(
  createConnection: (config: unknown) => unknown,
  config: unknown,
  cluster: ClusterPolicy,
  events: EventHub,
  registry: ClusterMonitorRegistry,
) {
  return registry.acquire({
    cluster,
    connect: mysql2ProbeConnector(createConnection, config, cluster.probeTimeoutMs),
    user: userOf(config),
    events,
  });
}
