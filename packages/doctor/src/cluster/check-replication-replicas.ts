import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts } from './cluster-facts.js';
import { replicasOf } from './replicas-of.js';

/** A replication cluster with no replica has nothing to fail over to. */
export function checkReplicationReplicas(facts: ClusterFacts): ClusterFinding | null {
  if (facts.flavor !== 'replication') return null;
  const replicas = replicasOf(facts).map((host) => host.key);
  const base = { id: 'replication-replicas', title: 'replicas' } as const;
  if (replicas.length === 0) {
    return {
      ...base,
      severity: 'warn',
      summary: `No replica among the ${facts.hosts.length} listed host${facts.hosts.length === 1 ? '' : 's'}: if the primary fails there is nothing to fail over to, and every write fails until it is back.`,
      fix: 'Add a replica (CHANGE MASTER TO … MASTER_USE_GTID = slave_pos; START SLAVE; read_only = ON) and list it in the cluster URL.',
      values: { replicas: 0 },
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'ok',
    summary: `${replicas.length} replica${replicas.length === 1 ? '' : 's'}: ${replicas.join(', ')}.`,
    fix: 'Nothing to change.',
    values: { replicas: replicas.length },
    hosts: replicas,
  };
}
