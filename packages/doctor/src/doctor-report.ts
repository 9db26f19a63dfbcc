import type { ClusterFlavor, ErrorKind, ServerFlavor } from '@goneaway/core';
import type { HostFacts } from './cluster/cluster-facts.js';

/** How bad a finding is. Only `severe` makes the CLI exit 1. */
export type Severity = 'ok' | 'info' | 'warn' | 'severe';

/** From least to most serious: the order reports sort and summarise in. */
export const SEVERITIES: readonly Severity[] = Object.freeze(['ok', 'info', 'warn', 'severe']);

/** Stable identifiers of the checks (JSON consumers match on them; titles may change). */
export type FindingId =
  | 'wait-timeout'
  | 'interactive-timeout'
  | 'max-allowed-packet'
  | 'max-connections'
  | 'read-only'
  | 'server-version'
  | 'net-timeouts'
  | 'statement-timeout'
  | 'tcp-keepalive'
  | 'aborted-clients';

/** Every finding id, in the order reports list them. */
export const FINDING_IDS: readonly FindingId[] = Object.freeze([
  'wait-timeout',
  'interactive-timeout',
  'max-allowed-packet',
  'max-connections',
  'read-only',
  'tcp-keepalive',
  'net-timeouts',
  'statement-timeout',
  'server-version',
  'aborted-clients',
]);

/** A raw value behind a finding, for JSON consumers (`null`: the server has no such setting). */
export type FindingValue = string | number | boolean | null;

export interface Finding {
  readonly id: FindingId;
  /** Short name of what was checked, e.g. `wait_timeout vs pool idle`. */
  readonly title: string;
  readonly severity: Severity;
  /** What was found, with the numbers. */
  readonly summary: string;
  /** What to do about it (for `ok`, why nothing needs doing). */
  readonly fix: string;
  /** The numbers the finding was decided from (bytes, milliseconds, seconds as named). */
  readonly values: Readonly<Record<string, FindingValue>>;
}

/** What the doctor assumes about the application's pool (CLI flags; knex/tarn defaults otherwise). */
export interface PoolAssumptions {
  /** knex `pool.max` per process. */
  readonly poolMax: number;
  /** Processes (containers, workers) each running one such pool. */
  readonly instances: number;
  /** tarn `idleTimeoutMillis`: how long an idle connection above `pool.min` stays in the pool. */
  readonly idleMs: number;
  /** knex `pool.maxConnectionLifetimeMillis`, or `null` when the pool has none (knex's default). */
  readonly lifetimeMs: number | null;
  /** The app wraps its knex config with `goneAway()` (default options). */
  readonly goneaway: boolean;
}

export interface DoctorOptions {
  /**
   * `mysql://user:password@host:port/database` (also `mariadb://`); `?ssl=true` for TLS. A cluster:
   * `mysql://user:password@h1:3306,h2:3306/database?flavor=galera|replication|proxy` (the `cluster`
   * option's URL form), every host asked with the same credentials.
   */
  readonly url: string;
  /** Default 10 (knex). */
  readonly poolMax?: number;
  /** Default 1. */
  readonly instances?: number;
  /** Default 30 000 (tarn's `idleTimeoutMillis`). */
  readonly idleMs?: number;
  /** Default none (knex sets no lifetime). */
  readonly lifetimeMs?: number;
  /** Judge the config as wrapped by `goneAway()`. Default false: bare knex + mysql2. */
  readonly goneaway?: boolean;
  /** Connect and per-query timeout. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** A replica further behind than this is `lagging` (cluster URLs with `?flavor=replication`). Default 5000. */
  readonly maxLagMs?: number;
}

/** Stable identifiers of the cluster checks (a URL with several hosts and `?flavor=`). */
export type ClusterFindingId =
  | 'cluster-writer'
  | 'cluster-hosts'
  | 'galera-cluster-size'
  | 'galera-sync-wait'
  | 'galera-evs-timeouts'
  | 'galera-desync'
  | 'galera-reject-queries'
  | 'replication-replicas'
  | 'replica-read-only'
  | 'replication-running'
  | 'replica-lag'
  | 'gtid-strict-mode'
  | 'semi-sync';

/** Every cluster finding id, in the order reports list them (those of other flavors are left out). */
export const CLUSTER_FINDING_IDS: readonly ClusterFindingId[] = Object.freeze([
  'cluster-writer',
  'cluster-hosts',
  'galera-cluster-size',
  'galera-sync-wait',
  'galera-evs-timeouts',
  'galera-desync',
  'galera-reject-queries',
  'replication-replicas',
  'replica-read-only',
  'replication-running',
  'replica-lag',
  'gtid-strict-mode',
  'semi-sync',
]);

/** A finding about the cluster: what would break on a failover. */
export interface ClusterFinding extends Omit<Finding, 'id'> {
  readonly id: ClusterFindingId;
  /** The hosts (`host:port`) it is about; empty when it is about the whole cluster. */
  readonly hosts: readonly string[];
}

/** One host of the cluster as the doctor saw it (`galera` / `replication`: the settings read from it). */
export interface HostReport extends HostFacts {
  /** This host is the one that takes writes. */
  readonly writer: boolean;
}

/** What the doctor found about the cluster, beside the single-server findings on the writer. */
export interface ClusterSummary {
  readonly flavor: ClusterFlavor;
  readonly hosts: readonly HostReport[];
  /** `writer`: one host takes writes; `none`: no host can; `split-brain`: more than one writable host. */
  readonly election: 'writer' | 'none' | 'split-brain';
  /** `host:port` of the writer, or null. */
  readonly writer: string | null;
  /**
   * The host the single-server checks ran against: the writer, else the first host that answered
   * (its findings then describe a server that is not taking writes), null when none answered.
   */
  readonly checkedHost: string | null;
  readonly maxLagMs: number;
  readonly findings: readonly ClusterFinding[];
}

export interface ServerSummary {
  readonly version: string;
  readonly flavor: ServerFlavor;
  /** `CONNECTION_ID()` of the doctor's own connection. */
  readonly connectionId: number;
  /** Time to connect and authenticate, ms. */
  readonly connectMs: number;
}

/** Why the doctor could not connect: `classify(err)` of the driver error, never the password. */
export interface ConnectFailure {
  readonly kind: ErrorKind;
  /** The driver's code (`ECONNREFUSED`, `ER_ACCESS_DENIED_ERROR`), null when it had none. */
  readonly code: string | null;
  /** The server or client error number, null when there was none. */
  readonly errno: number | null;
  readonly hint: string;
  /** The driver's message with the password removed, e.g. `connect ECONNREFUSED 127.0.0.1:1`. */
  readonly message: string;
}

export type FindingCounts = Readonly<Record<Severity, number>>;

interface ReportBase {
  /** The URL checked, password replaced by `***`. */
  readonly target: string;
  /** ISO time the check started. */
  readonly checkedAt: string;
  readonly assumptions: PoolAssumptions;
  /** Present when the URL named a cluster (several hosts and `?flavor=`). */
  readonly cluster?: ClusterSummary;
}

export interface ConnectedReport extends ReportBase {
  readonly connected: true;
  readonly server: ServerSummary;
  readonly findings: readonly Finding[];
  /** Counts every finding, the cluster's included. */
  readonly counts: FindingCounts;
  /** The most serious severity found. */
  readonly worst: Severity;
  /** 1 when something is severe, else 0. */
  readonly exitCode: 0 | 1;
}

export interface UnreachableReport extends ReportBase {
  readonly connected: false;
  readonly failure: ConnectFailure;
  readonly exitCode: 2;
}

/** What `runDoctor` resolves with; the CLI prints it as a table or, with `--json`, as is. */
export type DoctorReport = ConnectedReport | UnreachableReport;
