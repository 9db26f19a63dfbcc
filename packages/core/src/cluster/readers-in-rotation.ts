import type { HostSnapshot } from './cluster-monitor.js';
import type { ClusterFlavor } from './cluster-options.js';

/** What readersInRotation reads of each host (a HostSnapshot has it). */
export type ReaderCandidate = Pick<HostSnapshot, 'key' | 'state' | 'writer' | 'probe'>;

/**
 * The hosts a reader pool may read from now (pure), in list order:
 * - galera: Synced nodes other than the writer (`up`, or `read-only`: a Synced node with read_only on
 *   still serves reads);
 * - replication: read-only replicas, not the writer, whose last probe read a lag no larger than
 *   `maxLagMs` (a `lagging` host is in when the shared monitor's threshold is another pool's smaller
 *   one and this lag is within this pool's);
 * - proxy: none (one address: there is nothing to choose).
 * A `suspect`, `down`, `desynced` or `non-primary` host is never in rotation; it comes back when its
 * probe (the monitor's backoff) finds it healthy again.
 */
export function readersInRotation(
  flavor: ClusterFlavor,
  hosts: readonly ReaderCandidate[],
  maxLagMs: number,
): string[] {
  if (flavor === 'proxy') return [];
  const readers: string[] = [];
  for (const host of hosts) {
    if (host.writer) continue;
    if (flavor === 'galera') {
      if (host.state === 'up' || host.state === 'read-only') readers.push(host.key);
      continue;
    }
    if (host.state !== 'read-only' && host.state !== 'lagging') continue;
    const lagMs = host.probe?.replication?.lagMs;
    if (typeof lagMs === 'number' && lagMs <= maxLagMs) readers.push(host.key);
  }
  return readers;
}
