import type { ClusterFlavor, ErrorKind } from '@goneaway/core';
import type { ProbedState } from '@goneaway/core/adapter';

/** Why a host could not be asked: `classify()` of the driver error, never its message (it may hold a password). */
export interface HostFailure {
  readonly kind: ErrorKind;
  readonly code: string | null;
  readonly errno: number | null;
  readonly hint: string;
}

/** Galera settings that decide how a failover goes (null: not readable on this node). */
export interface GaleraSettings {
  /** `@@wsrep_sync_wait` (0: reads do not wait for the cluster's latest writes). */
  readonly syncWait: number | null;
  /** `evs.suspect_timeout` from `wsrep_provider_options`, ms. */
  readonly suspectTimeoutMs: number | null;
  /** `evs.inactive_timeout` from `wsrep_provider_options`, ms. */
  readonly inactiveTimeoutMs: number | null;
}

/** Replication settings and the replica's threads (null: not readable, or not on this server). */
export interface ReplicationSettings {
  /** MariaDB `@@gtid_strict_mode` (null on MySQL). */
  readonly gtidStrictMode: boolean | null;
  /** MySQL `@@gtid_mode` (null on MariaDB). */
  readonly gtidMode: string | null;
  /** `rpl_semi_sync_master_enabled` / `rpl_semi_sync_source_enabled`. */
  readonly semiSyncPrimaryEnabled: boolean | null;
  /** `Rpl_semi_sync_master_status`: semi-sync actually in force now (it falls back to async after its timeout). */
  readonly semiSyncPrimaryActive: boolean | null;
  /** `rpl_semi_sync_slave_enabled` / `rpl_semi_sync_replica_enabled`. */
  readonly semiSyncReplicaEnabled: boolean | null;
  /** The server has a replica status row (it is configured to replicate from a primary). */
  readonly isReplica: boolean | null;
  readonly ioRunning: boolean | null;
  readonly sqlRunning: boolean | null;
  /** `Seconds_Behind_Master` × 1000; null when the threads are stopped or it was not read. */
  readonly lagMs: number | null;
  /** `Last_IO_Errno` / `Last_SQL_Errno` (0: none). Numbers only: the error texts name hosts and users. */
  readonly lastIoErrno: number | null;
  readonly lastSqlErrno: number | null;
}

/** What the doctor learned about one host of the cluster. */
export interface HostFacts {
  /** `host:port`. */
  readonly key: string;
  readonly reachable: boolean;
  /** From the flavor's probe in @goneaway/core (`down` when unreachable). */
  readonly state: ProbedState;
  /** Words and numbers only. */
  readonly reason: string;
  readonly version: string | null;
  readonly connectMs: number | null;
  readonly failure: HostFailure | null;
  /** `wsrep_cluster_size` as this node sees it. */
  readonly clusterSize: number | null;
  readonly localIndex: number | null;
  readonly desync: boolean | null;
  readonly rejectQueries: string | null;
  readonly readOnly: boolean | null;
  readonly galera: GaleraSettings | null;
  readonly replication: ReplicationSettings | null;
}

export type ElectionOutcome =
  | { readonly kind: 'writer'; readonly key: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'split-brain'; readonly keys: readonly string[] };

/** Everything the cluster checks decide from: pure data. */
export interface ClusterFacts {
  readonly flavor: ClusterFlavor;
  readonly hosts: readonly HostFacts[];
  readonly election: ElectionOutcome;
  /** A replica further behind than this is `lagging`. */
  readonly maxLagMs: number;
}
