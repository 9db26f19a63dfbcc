import type { ClusterFinding } from '../doctor-report.js';
import { checkClusterHosts } from './check-cluster-hosts.js';
import { checkClusterWriter } from './check-cluster-writer.js';
import { checkGaleraClusterSize } from './check-galera-cluster-size.js';
import { checkGaleraDesync } from './check-galera-desync.js';
import { checkGaleraEvsTimeouts } from './check-galera-evs-timeouts.js';
import { checkGaleraRejectQueries } from './check-galera-reject-queries.js';
import { checkGaleraSyncWait } from './check-galera-sync-wait.js';
import { checkGtidStrictMode } from './check-gtid-strict-mode.js';
import { checkReplicaLag } from './check-replica-lag.js';
import { checkReplicaReadOnly } from './check-replica-read-only.js';
import { checkReplicationReplicas } from './check-replication-replicas.js';
import { checkReplicationRunning } from './check-replication-running.js';
import { checkSemiSync } from './check-semi-sync.js';
import type { ClusterFacts } from './cluster-facts.js';

/** Every cluster check, in report order (CLUSTER_FINDING_IDS); each returns null for other flavors. */
export const CLUSTER_CHECKS: readonly ((facts: ClusterFacts) => ClusterFinding | null)[] = Object.freeze([
  checkClusterWriter,
  checkClusterHosts,
  checkGaleraClusterSize,
  checkGaleraSyncWait,
  checkGaleraEvsTimeouts,
  checkGaleraDesync,
  checkGaleraRejectQueries,
  checkReplicationReplicas,
  checkReplicaReadOnly,
  checkReplicationRunning,
  checkReplicaLag,
  checkGtidStrictMode,
  checkSemiSync,
]);

export function runClusterChecks(facts: ClusterFacts): ClusterFinding[] {
  return CLUSTER_CHECKS.map((check) => check(facts)).filter((finding) => finding !== null);
}
