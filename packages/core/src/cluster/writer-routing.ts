import type { Classification } from '../classification/classification.js';
import { markConnectPhase } from '../classification/connect-phase.js';
import { hasKindTrait } from '../classification/kind-traits.js';
import type { ClusterMonitor } from './cluster-monitor.js';
import type { ClusterMonitorLease } from './cluster-monitor-registry.js';
import { type ClusterHost, type ClusterPolicy, hostKey } from './cluster-options.js';
import type { ClusterRouting } from './cluster-routing.js';
import { lastGtidOf, TRACK_LAST_GTID_SQL } from './written-gtids.js';

/**
 * Where a pool's connections go when the `cluster` option is set: to the writer its (shared)
 * ClusterMonitor chose. The pipeline asks it whether a connection's host is still the writer before
 * every hand-out and every statement (a connection to an old writer is swept, idle or checked out),
 * and tells it about errors that make a host suspect (1290 / 1792 / 1836 read-only, 1047 not ready,
 * a lost connection), so the monitor probes that host at once rather than at its next interval.
 */
export class WriterRouting implements ClusterRouting {
  readonly role = 'writer' as const;
  readonly sessionStatements: readonly string[];
  readonly #lease: ClusterMonitorLease;
  readonly #recordsGtids: boolean;
  #closed = false;

  /**
   * `cluster`: the writer pool's own policy; with `readYourWrites` on a replication cluster its
   * sessions report each commit's GTID (no extra round trip), recorded for the reader pools.
   */
  constructor(lease: ClusterMonitorLease, cluster?: ClusterPolicy) {
    this.#lease = lease;
    this.#recordsGtids = cluster?.readYourWrites === true && cluster.flavor === 'replication';
    this.sessionStatements = this.#recordsGtids ? [TRACK_LAST_GTID_SQL] : [];
  }

  succeeded(result: unknown): void {
    if (!this.#recordsGtids) return;
    const gtid = lastGtidOf(result);
    if (gtid !== undefined) this.monitor.writtenGtids.note(gtid);
  }

  get monitor(): ClusterMonitor {
    return this.#lease.monitor;
  }

  /**
   * The writer new connections go to; waits for one (a failover under way) until `deadline`
   * (monotonic ms), then rejects with GONEAWAY_UNAVAILABLE naming every host and its state, marked
   * as a connect failure (nothing was sent).
   */
  async target(deadline?: number, signal?: AbortSignal): Promise<ClusterHost> {
    const timeoutMs = deadline === undefined ? undefined : Math.max(0, deadline - performance.now());
    try {
      return await this.monitor.writer({
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      throw markConnectPhase(error);
    }
  }

  /**
   * Whether a connection to `hostKey` (`host:port`) may still be used: it goes to the writer chosen,
   * even while one failure has it `suspect` (a neighbour KILLed or lost must not cost every other
   * connection its transaction; if the host is gone, the probe finds it down and its connections are
   * cut). With no writer at all, no connection is current: statements wait for one within the outage
   * budget. (Keeping a read-only host's connections for reads was tried: with writes in the same pool
   * each connection soon had a write refused and was evicted, no read got through, and knex's circuit
   * opened on the refusals while mysql2's calls waited.)
   */
  isCurrent(hostKey: string): boolean {
    return this.monitor.electedWriterKey() === hostKey;
  }

  /** The writer, when there is one. */
  targets(): string[] {
    const writer = this.monitor.currentWriter();
    return writer === undefined ? [] : [hostKey(writer)];
  }

  movedOffError(hostKey: string, refused?: unknown): Error {
    return movedOffWriterError(hostKey, refused);
  }

  /** A statement on a connection to `hostKey` failed: a failure that may mean a failover has the host probed now. */
  failed(hostKey: string | undefined, classification: Classification): void {
    if (hostKey === undefined || this.#closed || !hasKindTrait(classification.kind, 'writer-suspect')) return;
    this.monitor.suspect(hostKey, `a statement failed: ${classification.kind}`).catch(() => undefined);
  }

  /** The pool closed: its lease on the shared monitor goes back (the last one stops the probes). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lease.release();
  }
}

/**
 * What a statement on a connection to an old writer gets instead of being sent, or after the old
 * writer refused it as read-only (`refused`): a connect-phase failure (nothing ran), so the retry
 * engine runs it again, read or write, on a connection to the new writer within the outage budget.
 */
export function movedOffWriterError(hostKey: string, refused?: unknown): Error {
  // The refusal is not attached as `cause`: classify reads causes, and this is a connect-phase failure.
  const what =
    refused === undefined
      ? `the connection goes to ${hostKey}, which is no longer the cluster's writer; nothing was sent`
      : `${hostKey} refused the statement as read-only: it is no longer the cluster's writer; nothing ran`;
  return markConnectPhase(Object.assign(new Error(what), { fatal: true }), hostKey);
}
