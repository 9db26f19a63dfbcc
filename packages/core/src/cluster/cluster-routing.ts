import type { Classification } from '../classification/classification.js';
import type { PooledConnectionState } from '../connections/pooled-connection-state.js';
import type { ClusterMonitor } from './cluster-monitor.js';
import type { ClusterHost } from './cluster-options.js';

/**
 * Which hosts of a cluster a pool uses (the `role` option): `'writer'` (the default) follows the
 * writer the monitor chose; `'reader'` spreads over the readers in rotation (`cluster.readers`).
 */
export type ClusterRole = 'writer' | 'reader';

/**
 * The seam between ConnectionPipeline and a cluster (`ConnectionPipeline.route`): where a pool's new
 * connections go, whether an existing one still goes to the right host, what a statement refused
 * there gets, and which hosts were lost. WriterRouting and ReaderRouting implement it; an adapter
 * asks its pipeline's routing for `target()` when it makes a connection and does nothing else.
 */
export interface ClusterRouting {
  readonly role: ClusterRole;
  readonly monitor: ClusterMonitor;
  /**
   * The host a new connection goes to; waits for one (a failover, a reader coming back) until
   * `deadline` (monotonic ms), then rejects with GONEAWAY_UNAVAILABLE naming every host and its
   * state, marked as a connect failure (nothing was sent).
   */
  target(deadline?: number, signal?: AbortSignal): Promise<ClusterHost>;
  /** Whether a connection to `hostKey` (`host:port`) may still be used by this pool. */
  isCurrent(hostKey: string): boolean;
  /** A statement on a connection to `hostKey` failed: the monitor may probe that host now. */
  failed(hostKey: string | undefined, classification: Classification): void;
  /**
   * What a statement on a connection out of this routing gets instead of being sent (a connect-phase
   * failure: nothing ran). `refused`: the server's refusal, if any (a read-only error on an old writer).
   */
  movedOffError(hostKey: string, refused?: unknown): Error;
  /** Session statements each new connection runs when it is adopted (`wsrep_sync_wait` for read-your-writes). */
  readonly sessionStatements: readonly string[];
  /**
   * A statement succeeded on a connection of this pool: a writer pool with replication
   * read-your-writes records the GTID its commit reported (`result`: the driver's result).
   */
  succeeded?(result: unknown): void;
  /**
   * Before a connection is handed out (and once when it is adopted): a reader pool with replication
   * read-your-writes waits until the replica has applied what the writers of this process committed
   * (`query` runs SQL on that connection). Undefined: nothing to wait for; false: the replica did not
   * catch up in time, and the connection should not serve the read (its host leaves the rotation for a
   * while, reads go to the writer).
   */
  catchUp?(
    state: PooledConnectionState,
    query: (sql: string, timeoutMs: number) => Promise<unknown>,
  ): Promise<boolean> | undefined;
  /** The pipeline tells the routing how many live connections it has to each host (least connections). */
  countConnectionsWith?(count: (hostKey: string) => number): void;
  /** `host:port` of each host new connections go to now (for stats). */
  targets(): string[];
  /** The pool closed: its lease on the shared monitor goes back. Idempotent. */
  close(): void;
}
