import type { ClusterFinding } from '../doctor-report.js';
import { formatDuration } from '../format/format-duration.js';
import type { ClusterFacts } from './cluster-facts.js';

/** Galera's defaults: a silent peer is suspected after 5 s and declared dead after 15 s. */
export const EVS_SUSPECT_DEFAULT_MS = 5_000;
export const EVS_INACTIVE_DEFAULT_MS = 15_000;
/** "Far above": more than twice the default. */
const FACTOR = 2;

/**
 * evs.suspect_timeout / evs.inactive_timeout decide how long the cluster waits for a node that went
 * silent before it evicts it; writes stall cluster-wide meanwhile. Raised far above the defaults, a
 * failed node blocks every write for that long.
 */
export function checkGaleraEvsTimeouts({ flavor, hosts }: ClusterFacts): ClusterFinding | null {
  if (flavor !== 'galera') return null;
  const maxOf = (pick: (h: (typeof hosts)[number]) => number | null | undefined): number | null => {
    const found = hosts.map(pick).filter((value): value is number => typeof value === 'number');
    return found.length === 0 ? null : Math.max(...found);
  };
  const suspect = maxOf((host) => host.galera?.suspectTimeoutMs);
  const inactive = maxOf((host) => host.galera?.inactiveTimeoutMs);
  const base = { id: 'galera-evs-timeouts', title: 'failure detection' } as const;
  const values = { suspectTimeoutMs: suspect, inactiveTimeoutMs: inactive };
  if (suspect === null && inactive === null) {
    return {
      ...base,
      severity: 'info',
      summary: 'wsrep_provider_options could not be read on any node.',
      fix: 'Nothing to change here; see hosts.',
      values,
      hosts: [],
    };
  }
  const slow =
    (suspect ?? 0) > EVS_SUSPECT_DEFAULT_MS * FACTOR || (inactive ?? 0) > EVS_INACTIVE_DEFAULT_MS * FACTOR;
  const text = `evs.suspect_timeout is ${suspect === null ? 'unknown' : formatDuration(suspect)} (default 5 s), evs.inactive_timeout ${inactive === null ? 'unknown' : formatDuration(inactive)} (default 15 s)`;
  if (!slow) {
    return {
      ...base,
      severity: 'ok',
      summary: `${text}: a node that goes silent is evicted within seconds.`,
      fix: 'Nothing to change.',
      values,
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'warn',
    summary: `${text}: far above the defaults, so a node that dies or is cut off silently keeps the cluster waiting that long before it is evicted, and writes on every node stall meanwhile.`,
    fix: "Restore the defaults (wsrep_provider_options = 'evs.suspect_timeout=PT5S; evs.inactive_timeout=PT15S' in my.cnf) unless the network between the nodes really pauses that long.",
    values,
    hosts: [],
  };
}
