import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts } from './cluster-facts.js';
import { listKeys } from './describe-hosts.js';

/** wsrep_reject_queries other than NONE: the node refuses clients (1047) though it is in the cluster. */
export function checkGaleraRejectQueries({ flavor, hosts }: ClusterFacts): ClusterFinding | null {
  if (flavor !== 'galera') return null;
  const rejecting = hosts.filter((host) => host.rejectQueries !== null && host.rejectQueries !== 'NONE');
  const base = { id: 'galera-reject-queries', title: 'wsrep_reject_queries' } as const;
  if (rejecting.length === 0) {
    return {
      ...base,
      severity: 'ok',
      summary: 'wsrep_reject_queries is NONE on every node that answered.',
      fix: 'Nothing to change.',
      values: { rejectingNodes: 0 },
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'warn',
    summary: `wsrep_reject_queries is not NONE on ${rejecting.map((host) => `${host.key} (${host.rejectQueries})`).join(', ')}: the node refuses every client query with error 1047 while it stays in the cluster, so it cannot take over as the writer.`,
    fix: `SET GLOBAL wsrep_reject_queries = NONE on ${listKeys(rejecting.map((host) => host.key))} once its maintenance is done.`,
    values: { rejectingNodes: rejecting.length },
    hosts: rejecting.map((host) => host.key),
  };
}
