import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts } from './cluster-facts.js';
import { listKeys } from './describe-hosts.js';

/** wsrep_desync ON: the node leaves flow control and falls behind; it cannot be the writer. */
export function checkGaleraDesync({ flavor, hosts }: ClusterFacts): ClusterFinding | null {
  if (flavor !== 'galera') return null;
  const on = hosts.filter((host) => host.desync === true).map((host) => host.key);
  const base = { id: 'galera-desync', title: 'wsrep_desync' } as const;
  if (on.length === 0) {
    return {
      ...base,
      severity: 'ok',
      summary: 'wsrep_desync is OFF on every node that answered.',
      fix: 'Nothing to change.',
      values: { desyncedNodes: 0 },
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'warn',
    summary: `wsrep_desync is ON on ${listKeys(on)}: the node may fall behind the cluster (it leaves flow control), so goneaway does not choose it as the writer, and a failover has one node fewer to go to.`,
    fix: 'SET GLOBAL wsrep_desync = OFF once the backup or maintenance that needed it is done.',
    values: { desyncedNodes: on.length },
    hosts: on,
  };
}
