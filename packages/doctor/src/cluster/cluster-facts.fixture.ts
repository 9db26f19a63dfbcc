import type { ClusterFacts, HostFacts, ReplicationSettings } from './cluster-facts.js';

/** A healthy Synced Galera node; override what a test is about. */
export function galeraNode(index: number, overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    key: `10.0.0.${index + 1}:3306`,
    reachable: true,
    state: 'up',
    reason: `Synced, wsrep_local_index ${index}`,
    version: '10.11.19-MariaDB',
    connectMs: 3,
    failure: null,
    clusterSize: 3,
    localIndex: index,
    desync: false,
    rejectQueries: 'NONE',
    readOnly: false,
    galera: { syncWait: 1, suspectTimeoutMs: 5_000, inactiveTimeoutMs: 15_000 },
    replication: null,
    ...overrides,
  };
}

export function galeraCluster(
  nodes: readonly HostFacts[] = [galeraNode(0), galeraNode(1), galeraNode(2)],
  writer: string | null = nodes[0]?.key ?? null,
): ClusterFacts {
  return {
    flavor: 'galera',
    hosts: nodes,
    election: writer === null ? { kind: 'none' } : { kind: 'writer', key: writer },
    maxLagMs: 5_000,
  };
}

const PRIMARY_SETTINGS: ReplicationSettings = {
  gtidStrictMode: true,
  gtidMode: null,
  semiSyncPrimaryEnabled: true,
  semiSyncPrimaryActive: true,
  semiSyncReplicaEnabled: true,
  isReplica: false,
  ioRunning: null,
  sqlRunning: null,
  lagMs: null,
  lastIoErrno: null,
  lastSqlErrno: null,
};

export function primary(
  overrides: Partial<ReplicationSettings> = {},
  host: Partial<HostFacts> = {},
): HostFacts {
  return {
    ...galeraNode(0),
    reason: 'writable (read_only is OFF)',
    clusterSize: null,
    localIndex: null,
    desync: null,
    rejectQueries: null,
    galera: null,
    replication: { ...PRIMARY_SETTINGS, ...overrides },
    ...host,
  };
}

export function replica(
  overrides: Partial<ReplicationSettings> = {},
  host: Partial<HostFacts> = {},
): HostFacts {
  return {
    ...galeraNode(1),
    state: 'read-only',
    reason: 'read-only replica, 0 s behind',
    clusterSize: null,
    localIndex: null,
    desync: null,
    rejectQueries: null,
    readOnly: true,
    galera: null,
    replication: {
      ...PRIMARY_SETTINGS,
      semiSyncPrimaryActive: false,
      isReplica: true,
      ioRunning: true,
      sqlRunning: true,
      lagMs: 0,
      lastIoErrno: 0,
      lastSqlErrno: 0,
      ...overrides,
    },
    ...host,
  };
}

export function replicationCluster(hosts: readonly HostFacts[] = [primary(), replica()]): ClusterFacts {
  const writable = hosts.filter((host) => host.state === 'up').map((host) => host.key);
  return {
    flavor: 'replication',
    hosts,
    election:
      writable.length === 1
        ? { kind: 'writer', key: writable[0] as string }
        : writable.length === 0
          ? { kind: 'none' }
          : { kind: 'split-brain', keys: writable },
    maxLagMs: 5_000,
  };
}
