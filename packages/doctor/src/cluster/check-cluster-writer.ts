import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts } from './cluster-facts.js';
import { describeHosts, listKeys } from './describe-hosts.js';

const PROMOTE: Readonly<Record<ClusterFacts['flavor'], string>> = {
  galera:
    "Bring a node back into the primary component: fix the network between the nodes, or, only if every node lost quorum, SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES' on the node with the highest wsrep_last_committed.",
  replication:
    'Promote one replica: STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF on it, then point the other servers at it (CHANGE MASTER TO … MASTER_USE_GTID = slave_pos).',
  proxy:
    'Check the servers behind the proxy: the one it sends this connection to has read_only ON or is down.',
};

/** Which host takes writes (electWriter from @goneaway/core): one is ok, none or several is severe. */
export function checkClusterWriter({ flavor, hosts, election }: ClusterFacts): ClusterFinding {
  const base = { id: 'cluster-writer', title: 'writer' } as const;
  if (election.kind === 'writer') {
    const writer = hosts.find((host) => host.key === election.key);
    const rule =
      flavor === 'galera'
        ? 'the Synced node with the lowest wsrep_local_index, as MaxScale chooses, so every process writes to the same node'
        : flavor === 'replication'
          ? 'the one writable host (read_only OFF)'
          : 'the server behind the proxy is writable';
    return {
      ...base,
      severity: 'ok',
      summary: `${election.key} is the writer: ${rule}${flavor === 'galera' && writer !== undefined ? ` (${writer.reason})` : ''}.`,
      fix: 'Nothing to change.',
      values: { writer: election.key, election: 'writer' },
      hosts: [election.key],
    };
  }
  if (election.kind === 'split-brain') {
    return {
      ...base,
      severity: 'severe',
      summary: `Split brain: ${listKeys(election.keys)} are all writable (read_only OFF). Writes that land on different hosts diverge and cannot be merged; goneaway refuses to choose and sends no writes (GONEAWAY_UNAVAILABLE) until one is left.`,
      fix: 'SET GLOBAL read_only = ON at once on every host but the real primary, compare their gtid_binlog_pos to find writes made on the wrong one, and make the replicas replicate again.',
      values: { writer: null, election: 'split-brain', writableHosts: election.keys.join(', ') },
      hosts: [...election.keys],
    };
  }
  return {
    ...base,
    severity: 'severe',
    summary: `No writer: no host can take writes now (${describeHosts(hosts)}). Every write fails until one can; goneaway waits for one within its outage budget, then fails with GONEAWAY_UNAVAILABLE naming each host.`,
    fix: PROMOTE[flavor],
    values: { writer: null, election: 'none' },
    hosts: [],
  };
}
