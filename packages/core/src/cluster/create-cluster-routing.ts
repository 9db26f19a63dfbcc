import type { ClusterMonitorLease } from './cluster-monitor-registry.js';
import type { ClusterPolicy } from './cluster-options.js';
import type { ClusterRole, ClusterRouting } from './cluster-routing.js';
import { ReaderRouting } from './reader-routing.js';
import { WriterRouting } from './writer-routing.js';

/**
 * The routing a pool of `role` follows, on its lease of the cluster's shared monitor: what an adapter
 * gives ConnectionPipeline.route (`policy.role`, `policy.cluster`). The lease goes back when the
 * routing closes.
 */
export function createClusterRouting(
  role: ClusterRole,
  lease: ClusterMonitorLease,
  cluster: ClusterPolicy,
): ClusterRouting {
  return role === 'reader' ? new ReaderRouting(lease, cluster) : new WriterRouting(lease, cluster);
}
