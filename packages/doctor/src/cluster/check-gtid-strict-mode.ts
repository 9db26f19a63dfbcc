import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts, HostFacts } from './cluster-facts.js';
import { listKeys } from './describe-hosts.js';

function gtidOff(host: HostFacts): boolean {
  const r = host.replication;
  if (r === null) return false;
  if (r.gtidStrictMode !== null) return !r.gtidStrictMode;
  return r.gtidMode !== null && r.gtidMode.toUpperCase() !== 'ON';
}

/**
 * Without GTID strict mode (MariaDB) or gtid_mode = ON (MySQL) a replica can apply a transaction out
 * of order or twice, and a promoted replica's position cannot be trusted by the others.
 */
export function checkGtidStrictMode(facts: ClusterFacts): ClusterFinding | null {
  if (facts.flavor !== 'replication') return null;
  const off = facts.hosts.filter(gtidOff).map((host) => host.key);
  const base = { id: 'gtid-strict-mode', title: 'GTID strict mode' } as const;
  if (off.length === 0) {
    return {
      ...base,
      severity: 'ok',
      summary: 'GTID strict mode (gtid_mode = ON on MySQL) is on on every host that answered.',
      fix: 'Nothing to change.',
      values: { hostsWithoutStrictGtid: 0 },
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'warn',
    summary: `GTID strict mode is off on ${listKeys(off)}: after a failover the servers can disagree about which transactions they hold (a duplicate or out-of-order GTID is accepted silently), and a replica pointed at the new primary may skip or repeat writes.`,
    fix: 'MariaDB: SET GLOBAL gtid_strict_mode = 1 (and gtid_strict_mode = 1 in my.cnf) on every server; MySQL: gtid_mode = ON with enforce_gtid_consistency = ON.',
    values: { hostsWithoutStrictGtid: off.length },
    hosts: off,
  };
}
