import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts } from './cluster-facts.js';
import { listKeys } from './describe-hosts.js';
import { replicasOf } from './replicas-of.js';

/**
 * Asynchronous replication acknowledges a commit before any replica has it: a failover after the
 * primary dies loses those commits. Semi-sync (AFTER_SYNC) waits for a replica's acknowledgement,
 * unless it fell back to async after rpl_semi_sync_master_timeout.
 */
export function checkSemiSync(facts: ClusterFacts): ClusterFinding | null {
  if (facts.flavor !== 'replication') return null;
  const writer =
    facts.election.kind === 'writer'
      ? facts.hosts.find((host) => host.key === (facts.election as { key: string }).key)
      : undefined;
  const replicas = replicasOf(facts);
  const problems: string[] = [];
  const hosts: string[] = [];
  if (writer?.replication?.semiSyncPrimaryEnabled === false) {
    problems.push(`semi-sync is off on the primary ${writer.key} (rpl_semi_sync_master_enabled OFF)`);
    hosts.push(writer.key);
  } else if (writer?.replication?.semiSyncPrimaryActive === false) {
    problems.push(
      `semi-sync is enabled on the primary ${writer.key} but not in force (Rpl_semi_sync_master_status OFF): no replica acknowledged within rpl_semi_sync_master_timeout, so it fell back to asynchronous`,
    );
    hosts.push(writer.key);
  }
  const asyncReplicas = replicas
    .filter((host) => host.replication?.semiSyncReplicaEnabled === false)
    .map((host) => host.key);
  if (asyncReplicas.length > 0) {
    problems.push(`rpl_semi_sync_slave_enabled is OFF on ${listKeys(asyncReplicas)}`);
    hosts.push(...asyncReplicas);
  }
  const base = { id: 'semi-sync', title: 'semi-sync replication' } as const;
  const values = {
    primaryEnabled: writer?.replication?.semiSyncPrimaryEnabled ?? null,
    primaryActive: writer?.replication?.semiSyncPrimaryActive ?? null,
    asyncReplicas: asyncReplicas.length,
  };
  if (problems.length === 0) {
    return {
      ...base,
      severity: 'ok',
      summary:
        writer === undefined
          ? 'No writer to check semi-sync on; the replicas have it enabled.'
          : `Semi-sync is in force on ${writer.key}: a commit is acknowledged only once a replica has it, so a failover loses no acknowledged commit.`,
      fix: 'Nothing to change.',
      values,
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'warn',
    summary: `${problems.join('; ')}. Replication is asynchronous: a commit the app was told succeeded may not have reached any replica, and is lost if the primary dies and a replica is promoted.`,
    fix: 'SET GLOBAL rpl_semi_sync_master_enabled = ON on the primary and rpl_semi_sync_slave_enabled = ON on the replicas (restart the replica IO thread), with rpl_semi_sync_master_wait_point = AFTER_SYNC; also in my.cnf.',
    values,
    hosts,
  };
}
