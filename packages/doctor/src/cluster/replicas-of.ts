import type { ClusterFacts, HostFacts } from './cluster-facts.js';

/**
 * The hosts that replicate: a replica status row says so; without the privilege to read it, a host
 * that answers read-only (or lagging) is taken for one.
 */
export function replicasOf({ hosts }: ClusterFacts): HostFacts[] {
  return hosts.filter((host) => {
    const isReplica = host.replication?.isReplica;
    if (isReplica === true) return true;
    return isReplica !== false && host.reachable && (host.state === 'read-only' || host.state === 'lagging');
  });
}
