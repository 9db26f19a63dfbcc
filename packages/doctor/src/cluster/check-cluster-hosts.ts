import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts, HostFacts } from './cluster-facts.js';
import { describeHosts } from './describe-hosts.js';

/** A replica is read-only by design; anything else that is not `up` cannot serve as it should. */
function outOfService(flavor: ClusterFacts['flavor'], host: HostFacts): boolean {
  if (host.state === 'up') return false;
  return !(flavor === 'replication' && host.state === 'read-only');
}

/** Every host that is down, outside the primary component, desynced, lagging, or (Galera) read-only. */
export function checkClusterHosts({ flavor, hosts }: ClusterFacts): ClusterFinding {
  const bad = hosts.filter((host) => outOfService(flavor, host));
  const base = { id: 'cluster-hosts', title: 'hosts' } as const;
  const values = {
    hosts: hosts.length,
    reachable: hosts.filter((host) => host.reachable).length,
    outOfService: bad.length,
  };
  if (bad.length === 0) {
    return {
      ...base,
      severity: 'ok',
      summary: `All ${hosts.length} hosts answer and are in service: ${describeHosts(hosts)}.`,
      fix: 'Nothing to change.',
      values,
      hosts: [],
    };
  }
  const fixes: string[] = [];
  if (bad.some((host) => !host.reachable)) fixes.push('start or reconnect the hosts that are down');
  if (bad.some((host) => host.state === 'non-primary'))
    fixes.push('a non-primary node has lost its peers: check the network on the group port (4567)');
  if (bad.some((host) => host.state === 'desynced'))
    fixes.push(
      'a desynced node is a donor or joining, or has wsrep_desync ON: SET GLOBAL wsrep_desync = OFF once done',
    );
  if (bad.some((host) => host.state === 'lagging'))
    fixes.push('a lagging replica is stopped or behind: see replication-running and replica-lag');
  if (bad.some((host) => host.state === 'read-only' && flavor !== 'replication'))
    fixes.push('SET GLOBAL read_only = OFF on a Galera node meant to take writes');
  return {
    ...base,
    severity: 'warn',
    summary: `${bad.length} of ${hosts.length} hosts cannot serve as they should: ${describeHosts(bad)}. A failover now has fewer hosts to go to.`,
    fix: `${fixes.join('; ')}. goneaway keeps probing them and takes them back once they answer.`.replace(
      /^./,
      (c) => c.toUpperCase(),
    ),
    values,
    hosts: bad.map((host) => host.key),
  };
}
