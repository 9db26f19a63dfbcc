import type { ClusterFinding } from '../doctor-report.js';
import { formatDuration } from '../format/format-duration.js';
import type { ClusterFacts } from './cluster-facts.js';

/** Seconds_Behind_Master over the threshold: what a failover to that replica would lose (async) or wait for. */
export function checkReplicaLag(facts: ClusterFacts): ClusterFinding | null {
  if (facts.flavor !== 'replication') return null;
  const measured = facts.hosts.filter(
    (host) => host.replication?.isReplica === true && typeof host.replication.lagMs === 'number',
  );
  const behind = measured.filter((host) => (host.replication?.lagMs ?? 0) > facts.maxLagMs);
  const maxLag =
    measured.length === 0 ? null : Math.max(...measured.map((host) => host.replication?.lagMs ?? 0));
  const base = { id: 'replica-lag', title: 'replica lag' } as const;
  const values = { maxLagMs: maxLag, thresholdMs: facts.maxLagMs };
  if (behind.length > 0) {
    return {
      ...base,
      severity: 'warn',
      summary: `${behind.map((host) => `${host.key} is ${formatDuration(host.replication?.lagMs ?? 0)} behind`).join('; ')} (more than ${formatDuration(facts.maxLagMs)}): a failover to it waits for it to catch up, or, with asynchronous replication and a dead primary, loses what it has not received; goneaway keeps it out of the readers.`,
      fix: 'Find what slows the replica (long transactions on the primary, a single-threaded SQL thread: slave_parallel_threads), or raise the threshold (--max-lag-ms) if this lag is acceptable.',
      values,
      hosts: behind.map((host) => host.key),
    };
  }
  return {
    ...base,
    severity: 'ok',
    summary:
      measured.length === 0
        ? 'No running replica whose lag could be read.'
        : `Every running replica is within ${formatDuration(facts.maxLagMs)} (at most ${formatDuration(maxLag ?? 0)} behind).`,
    fix: 'Nothing to change.',
    values,
    hosts: [],
  };
}
