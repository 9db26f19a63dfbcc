import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts } from './cluster-facts.js';

/**
 * Quorum needs a majority: a cluster (or a primary component) of 2 stops both nodes when one leaves,
 * so it has no failover at all. The size is the largest wsrep_cluster_size a Primary node reports.
 */
export function checkGaleraClusterSize({ flavor, hosts }: ClusterFacts): ClusterFinding | null {
  if (flavor !== 'galera') return null;
  const sizes = hosts
    .filter((host) => host.state !== 'non-primary' && host.clusterSize !== null)
    .map((host) => host.clusterSize as number);
  const size = sizes.length === 0 ? null : Math.max(...sizes);
  const base = { id: 'galera-cluster-size', title: 'cluster size' } as const;
  const values = { listedHosts: hosts.length, clusterSize: size };
  if (size === null) {
    return {
      ...base,
      severity: 'warn',
      summary: 'No node in the primary component answered, so the cluster size is unknown.',
      fix: 'See writer and hosts.',
      values,
      hosts: [],
    };
  }
  if (size < 3) {
    return {
      ...base,
      severity: 'warn',
      summary: `The primary component has ${size} node${size === 1 ? '' : 's'} (${hosts.length} listed): ${size === 2 ? 'when one more leaves, the other is 1 of 2, not a majority, and turns non-primary too' : 'it cannot lose a node'}; no failover is possible, every query fails with 1047.`,
      fix: 'Run at least 3 nodes (or 2 and a garbd arbitrator), and bring back the missing ones.',
      values,
      hosts: [],
    };
  }
  if (hosts.length < size) {
    return {
      ...base,
      severity: 'info',
      summary: `The cluster has ${size} nodes but only ${hosts.length} are listed: goneaway cannot fail over to the others.`,
      fix: 'List every node in the cluster URL (and in the cluster option).',
      values,
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'ok',
    summary: `${size} nodes in the primary component: it keeps quorum when one leaves.`,
    fix: 'Nothing to change.',
    values,
    hosts: [],
  };
}
