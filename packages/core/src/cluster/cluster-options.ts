/**
 * The `cluster` option (plain TypeScript types: the zod schema in cluster-schema.ts stays private).
 * User, password, database and TLS still come from the library's own connection config: a host list
 * only says where the servers are and how to tell the writer.
 */

/**
 * How the writer is told apart:
 * - `'galera'`: every node can write; one writer is chosen (the lowest `wsrep_local_index` among
 *   Synced, ready, not desynced nodes, as MaxScale does) so writes do not certification-conflict;
 * - `'replication'`: the one host with `read_only` = 0 (two writable hosts: split brain, no writer);
 * - `'proxy'`: one address (MaxScale, ProxySQL, HAProxy, a DNS name that moves) checked on each
 *   new connection.
 */
export type ClusterFlavor = 'galera' | 'replication' | 'proxy';

/** `'10.0.0.5:3306'`, `'db1'` (port 3306), `'[::1]:3307'`, or `{ host, port? }`. */
export type ClusterHostInput = string | { readonly host: string; readonly port?: number };

export interface ClusterOptions {
  /** Every server of the cluster (or the one proxy address). No duplicates; order does not matter. */
  hosts: readonly ClusterHostInput[];
  flavor: ClusterFlavor;
  /** How often each healthy host is probed (ms). Default 1000. */
  probeIntervalMs?: number;
  /** A probe (connect included) that takes longer fails: how a blackholed host is found (ms). Default 1000. */
  probeTimeoutMs?: number;
  /**
   * A down host is probed again after a delay that doubles from `minMs` to `maxMs` (full jitter
   * above half of it). A host is never dropped for good. Defaults 500 and 5000.
   */
  downBackoffMs?: { minMs?: number; maxMs?: number };
  /** Opt-in readers: reads go to the writer unless enabled. */
  readers?: {
    /** Default `false`. */
    enabled?: boolean;
    /** A replica further behind than this leaves the rotation (`lagging`). Default 5000. */
    maxLagMs?: number;
    /** Read from the writer when no reader is up. Default `true`. */
    fallbackToWriter?: boolean;
  };
  /** Reads wait for the session's own writes (Galera `wsrep_sync_wait`, replication `MASTER_GTID_WAIT`). Default `false`. */
  readYourWrites?: boolean;
}

/** One host of a parsed cluster. */
export interface ClusterHost {
  readonly host: string;
  readonly port: number;
}

/** The parsed, fully defaulted `cluster` option (part of a frozen Policy). */
export interface ClusterPolicy {
  readonly hosts: readonly ClusterHost[];
  readonly flavor: ClusterFlavor;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly downBackoffMs: { readonly minMs: number; readonly maxMs: number };
  readonly readers: {
    readonly enabled: boolean;
    readonly maxLagMs: number;
    readonly fallbackToWriter: boolean;
  };
  readonly readYourWrites: boolean;
}

/**
 * What the monitor knows of one host:
 * - `up`: answers and can take writes (it may or may not be the chosen writer);
 * - `suspect`: an error or a failed probe was seen, a probe is on its way; no new writes meanwhile;
 * - `down`: probes fail (refused, reset, timed out) or the node refuses clients; probed again with backoff;
 * - `read-only`: answers, `read_only` is on (a replica, or a demoted primary);
 * - `desynced`: Galera node not Synced (donor, joining, `wsrep_desync`);
 * - `non-primary`: Galera node outside the primary component (or not ready);
 * - `lagging`: a replica further behind than `readers.maxLagMs`, or not replicating.
 */
export type HostState = 'up' | 'suspect' | 'down' | 'read-only' | 'desynced' | 'non-primary' | 'lagging';

/** `host:port`, with an IPv6 address in brackets: how a host is named in events and messages. */
export function hostKey(host: ClusterHost): string {
  return host.host.includes(':') ? `[${host.host}]:${host.port}` : `${host.host}:${host.port}`;
}
