import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts } from './cluster-facts.js';
import { listKeys } from './describe-hosts.js';

/**
 * A replica with read_only OFF takes writes that the primary never sees: they diverge, and the writer
 * check sees two writable hosts (split brain).
 */
export function checkReplicaReadOnly(facts: ClusterFacts): ClusterFinding | null {
  if (facts.flavor !== 'replication') return null;
  const writable = facts.hosts
    .filter((host) => host.replication?.isReplica === true && host.readOnly === false)
    .map((host) => host.key);
  const base = { id: 'replica-read-only', title: 'read_only on replicas' } as const;
  if (writable.length === 0) {
    return {
      ...base,
      severity: 'ok',
      summary: 'Every replica that answered has read_only ON (or none could be identified).',
      fix: 'Nothing to change.',
      values: { writableReplicas: 0 },
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'severe',
    summary: `read_only is OFF on the replica${writable.length === 1 ? '' : 's'} ${listKeys(writable)}: a write sent there is applied on the replica only and diverges from the primary (and breaks replication when the primary writes the same row); the writer check sees more than one writable host, a split brain.`,
    fix: `SET GLOBAL read_only = ON on ${listKeys(writable)} (and read_only = ON under [mysqld] in its my.cnf).`,
    values: { writableReplicas: writable.length },
    hosts: writable,
  };
}
