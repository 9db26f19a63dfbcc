import type { HostFacts } from './cluster-facts.js';

/** `127.0.0.1:3307 non-primary (wsrep_cluster_status is non-Primary)`, joined with `; `. */
export function describeHosts(hosts: readonly HostFacts[]): string {
  return hosts.map((host) => `${host.key} ${host.state} (${host.reason})`).join('; ');
}

/** `a, b and c`. */
export function listKeys(keys: readonly string[]): string {
  if (keys.length <= 1) return keys.join('');
  return `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`;
}
