import type { ClusterFlavor, HostState } from './cluster-options.js';
import type { ProbeResult } from './probe-result.js';

export interface ElectionCandidate {
  /** `host:port`. */
  readonly key: string;
  readonly state: HostState;
  /** The last successful probe (for Galera's `wsrep_local_index`). */
  readonly probe: ProbeResult | undefined;
}

export type Election =
  | { readonly kind: 'writer'; readonly key: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'split-brain'; readonly keys: readonly string[] };

/**
 * Which host takes writes, from the hosts' states (pure):
 * - a current writer that is only `suspect` stays the writer until its probe settles (writes wait for
 *   it meanwhile): one failed probe or one reset connection must not move every pool to another host;
 * - galera: the `up` node with the lowest `wsrep_local_index` (MaxScale's rule: every pool in every
 *   process picks the same node, so writes do not conflict at certification);
 * - replication: the one `up` (writable) host; two or more → split brain, no writer;
 * - proxy: the one host, when `up`.
 * Ties (equal indexes) go to the earlier host in the list.
 */
export function electWriter(
  flavor: ClusterFlavor,
  hosts: readonly ElectionCandidate[],
  current: string | undefined,
): Election {
  if (current !== undefined && hosts.some((host) => host.key === current && host.state === 'suspect')) {
    return { kind: 'writer', key: current };
  }
  const up = hosts.filter((host) => host.state === 'up');
  if (flavor === 'galera') {
    let best: { key: string; index: number } | undefined;
    for (const host of up) {
      const index = host.probe?.galera?.localIndex;
      if (index === undefined) continue;
      if (best === undefined || index < best.index) best = { key: host.key, index };
    }
    return best === undefined ? { kind: 'none' } : { kind: 'writer', key: best.key };
  }
  if (up.length === 0) return { kind: 'none' };
  if (up.length > 1) return { kind: 'split-brain', keys: up.map((host) => host.key) };
  return { kind: 'writer', key: up[0]!.key };
}
