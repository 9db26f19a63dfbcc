import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts, HostFacts } from './cluster-facts.js';
import { replicasOf } from './replicas-of.js';

function threads(host: HostFacts): string {
  const r = host.replication;
  if (r === null) return 'unknown';
  const errnos = [
    r.lastIoErrno ? `IO error ${r.lastIoErrno}` : null,
    r.lastSqlErrno ? `SQL error ${r.lastSqlErrno}` : null,
  ].filter(Boolean);
  return `IO thread ${r.ioRunning ? 'running' : 'stopped'}, SQL thread ${r.sqlRunning ? 'running' : 'stopped'}${errnos.length === 0 ? '' : ` (last ${errnos.join(', ')})`}`;
}

/** A replica whose IO or SQL thread is stopped falls further behind every second: a failover to it loses those writes. */
export function checkReplicationRunning(facts: ClusterFacts): ClusterFinding | null {
  if (facts.flavor !== 'replication') return null;
  const replicas = replicasOf(facts);
  const unknown = replicas.filter((host) => host.replication?.isReplica !== true);
  const stopped = replicas.filter(
    (host) =>
      host.replication?.isReplica === true && !(host.replication.ioRunning && host.replication.sqlRunning),
  );
  const base = { id: 'replication-running', title: 'replication threads' } as const;
  if (stopped.length > 0) {
    return {
      ...base,
      severity: 'warn',
      summary: `Replication is stopped on ${stopped.map((host) => `${host.key} (${threads(host)})`).join('; ')}: the replica falls further behind with every write, and a failover to it loses everything it has not applied.`,
      fix: 'START SLAVE on it; if a thread stops again, SHOW SLAVE STATUS shows why (Last_IO_Error / Last_SQL_Error).',
      values: { stoppedReplicas: stopped.length },
      hosts: stopped.map((host) => host.key),
    };
  }
  if (unknown.length > 0) {
    return {
      ...base,
      severity: 'info',
      summary: `The replica status of ${unknown.map((host) => host.key).join(', ')} could not be read (the account lacks the privilege): whether replication runs, and how far behind it is, is unknown.`,
      fix: "GRANT REPLICA MONITOR ON *.* (MariaDB 10.5+; REPLICATION CLIENT on MySQL) to the doctor's account, or run the doctor as an account that has it.",
      values: { stoppedReplicas: null },
      hosts: unknown.map((host) => host.key),
    };
  }
  return {
    ...base,
    severity: 'ok',
    summary:
      replicas.length === 0
        ? 'No replica to check.'
        : `Replication runs on ${replicas.map((host) => `${host.key} (${threads(host)})`).join('; ')}.`,
    fix: 'Nothing to change.',
    values: { stoppedReplicas: 0 },
    hosts: [],
  };
}
