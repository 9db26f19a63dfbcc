import type { Classification } from '../classification/classification.js';
import { markConnectPhase } from '../classification/connect-phase.js';
import { hasKindTrait } from '../classification/kind-traits.js';
import type { PooledConnectionState } from '../connections/pooled-connection-state.js';
import type { ClusterMonitor } from './cluster-monitor.js';
import type { ClusterMonitorLease } from './cluster-monitor-registry.js';
import { type ClusterHost, type ClusterPolicy, hostKey } from './cluster-options.js';
import type { ClusterRouting } from './cluster-routing.js';
import { ClusterUnavailableError } from './cluster-unavailable-error.js';
import { readersInRotation } from './readers-in-rotation.js';

const ROTATION_CACHE_MS = 100;

/** Galera read-your-writes: a read waits until the node has applied every write committed before it. */
export const GALERA_READ_YOUR_WRITES_SQL = 'SET SESSION wsrep_sync_wait = 1';

/**
 * Where a reader pool's connections go (`role: 'reader'`): the readers in rotation (readersInRotation:
 * Synced non-writer Galera nodes, replicas within `readers.maxLagMs`), new connections to the one
 * this pool has the fewest connections to (ties in turn). A host that leaves the rotation (lagging,
 * down, desynced, non-primary, suspect) has its connections swept by the pipeline, as WriterRouting's
 * old writer has; it comes back when the monitor finds it healthy. With no reader in rotation, the
 * writer (`readers.fallbackToWriter`, default true; its connections are swept again once a reader is
 * back) or, without fallback, GONEAWAY_UNAVAILABLE naming every host once the caller's deadline passes.
 * Writes sent through a reader pool are sent as they are: a replica refuses them with its read-only
 * error, typed as without a cluster (they are never moved to the writer).
 */
export class ReaderRouting implements ClusterRouting {
  readonly role = 'reader' as const;
  readonly sessionStatements: readonly string[];
  readonly #lease: ClusterMonitorLease;
  readonly #cluster: ClusterPolicy;
  #count: (hostKey: string) => number = () => 0;
  #turn = 0;
  #closed = false;
  /** Replication read-your-writes: replicas that did not catch up in time, out of rotation until then (monotonic ms). */
  readonly #behindUntil = new Map<string, number>();
  readonly #waitsForWrites: boolean;
  /**
   * The readers in rotation, kept between statements (isCurrent runs before each one): dropped on any
   * event of the monitor, and after ROTATION_CACHE_MS (a lag can cross this pool's maxLagMs without a
   * state change when another pool's smaller maxLagMs is the monitor's).
   */
  #rotation: { readonly keys: readonly string[]; readonly at: number } | undefined;
  readonly #unsubscribe: () => void;

  /** `cluster`: the reader pool's own policy (its maxLagMs, fallback and readYourWrites; the shared monitor may have another pool's). */
  constructor(lease: ClusterMonitorLease, cluster: ClusterPolicy) {
    this.#lease = lease;
    this.#cluster = cluster;
    this.sessionStatements =
      cluster.readYourWrites && cluster.flavor === 'galera' ? [GALERA_READ_YOUR_WRITES_SQL] : [];
    this.#waitsForWrites = cluster.readYourWrites && cluster.flavor === 'replication';
    this.#unsubscribe = lease.monitor.subscribe(() => {
      this.#rotation = undefined;
    });
  }

  get monitor(): ClusterMonitor {
    return this.#lease.monitor;
  }

  countConnectionsWith(count: (hostKey: string) => number): void {
    this.#count = count;
  }

  /** `host:port` of every reader in rotation now. */
  readers(): string[] {
    const now = performance.now();
    let rotation = this.#rotation;
    if (rotation === undefined || now - rotation.at > ROTATION_CACHE_MS) {
      const keys = readersInRotation(
        this.#cluster.flavor,
        this.monitor.hosts(),
        this.#cluster.readers.maxLagMs,
      );
      rotation = { keys, at: now };
      this.#rotation = rotation;
    }
    const readers = [...rotation.keys];
    if (this.#behindUntil.size === 0) return readers;
    for (const [key, until] of this.#behindUntil) if (until <= now) this.#behindUntil.delete(key);
    return readers.filter((key) => !this.#behindUntil.has(key));
  }

  targets(): string[] {
    const readers = this.readers();
    // A replica behind this process's writes sends reads to the writer even without fallbackToWriter:
    // read-your-writes asked for the writes, and the writer has them.
    const fallback = this.#cluster.readers.fallbackToWriter || this.#behindUntil.size > 0;
    if (readers.length > 0 || !fallback) return readers;
    const writer = this.monitor.currentWriter();
    return writer === undefined ? [] : [hostKey(writer)];
  }

  isCurrent(key: string): boolean {
    return this.targets().includes(key);
  }

  /** A reader in rotation (the one with the fewest of this pool's connections), else the fallback writer; waits for one until `deadline`. */
  async target(deadline?: number, signal?: AbortSignal): Promise<ClusterHost> {
    this.monitor.start();
    const now = this.#choose();
    if (now !== undefined) return now;
    try {
      return await this.#wait(deadline, signal);
    } catch (error) {
      throw markConnectPhase(error);
    }
  }

  /**
   * A read failed on `hostKey`: a lost connection or 1047 has the host probed now. A read-only refusal
   * is not a sign of trouble on a replica (a write sent through the reader pool), so it is not reported.
   */
  failed(key: string | undefined, classification: Classification): void {
    if (key === undefined || this.#closed || classification.kind === 'read-only') return;
    if (!hasKindTrait(classification.kind, 'writer-suspect')) return;
    this.monitor.suspect(key, `a statement failed: ${classification.kind}`).catch(() => undefined);
  }

  movedOffError(key: string): Error {
    const error = new Error(
      `the connection goes to ${key}, which is no longer in the cluster's reader rotation; nothing was sent`,
    );
    return markConnectPhase(Object.assign(error, { fatal: true }), key);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#lease.release();
  }

  /**
   * Replication read-your-writes: waits (MASTER_GTID_WAIT, up to `readers.maxLagMs`: a replica further
   * behind is no reader anyway) until the replica has applied every GTID the writer pools of this
   * process committed, when they committed one this connection has not waited for. On timeout its host
   * leaves the rotation for `maxLagMs` and false is returned (the read goes elsewhere, the writer when
   * no other replica is in rotation).
   */
  catchUp(
    state: PooledConnectionState,
    query: (sql: string, timeoutMs: number) => Promise<unknown>,
  ): Promise<boolean> | undefined {
    if (!this.#waitsForWrites) return undefined;
    const written = this.monitor.writtenGtids;
    const version = written.version;
    const position = written.position();
    if (position === undefined || state.waitedForWrites >= version) return undefined;
    // The writer (a fallback) has its own writes; MASTER_GTID_WAIT there would wait on its replica position.
    const writer = this.monitor.currentWriter();
    if (writer !== undefined && state.host === hostKey(writer)) return undefined;
    const { maxLagMs } = this.#cluster.readers;
    // The position is digits, dashes and commas only (WrittenGtids checks each GTID).
    const sql = `SELECT MASTER_GTID_WAIT('${position}', ${maxLagMs / 1000}) AS caught_up`;
    return query(sql, maxLagMs + 1_000).then((rows) => {
      const answer = Array.isArray(rows)
        ? (rows[0] as Record<string, unknown> | undefined)?.caught_up
        : undefined;
      if (Number(answer) === 0) {
        state.waitedForWrites = Math.max(state.waitedForWrites, version);
        return true;
      }
      if (state.host !== undefined) this.#behindUntil.set(state.host, performance.now() + maxLagMs);
      return false;
    });
  }

  #choose(): ClusterHost | undefined {
    const readers = this.readers();
    if (readers.length === 0) {
      const fallback = this.#cluster.readers.fallbackToWriter || this.#behindUntil.size > 0;
      // A new monitor: the writer often answers its first probe before a replica answers its own
      // (which reads the lag too); wait for those first answers rather than start on the writer.
      if (!fallback || this.#firstProbesPending()) return undefined;
      return this.monitor.currentWriter();
    }
    // Least connections; among equals, the next one in turn so that an empty pool spreads too.
    const start = this.#turn++ % readers.length;
    let best: string | undefined;
    let bestCount = Number.POSITIVE_INFINITY;
    for (let offset = 0; offset < readers.length; offset++) {
      const key = readers[(start + offset) % readers.length]!;
      const count = this.#count(key);
      if (count < bestCount) {
        best = key;
        bestCount = count;
      }
    }
    return this.monitor.hosts().find((host) => host.key === best)?.host;
  }

  /** A host other than the writer has not answered (nor failed) its first probe yet. */
  #firstProbesPending(): boolean {
    return this.monitor
      .hosts()
      .some(
        (host) => !host.writer && host.probe === undefined && host.failures === 0 && host.state === 'suspect',
      );
  }

  /** Waits for a host to choose: on every monitor event, and each probe interval (a lag can change without an event). */
  #wait(deadline: number | undefined, signal: AbortSignal | undefined): Promise<ClusterHost> {
    if (this.monitor.closed) return Promise.reject(this.#unavailable(0, 'closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const startedAt = performance.now();
    return new Promise<ClusterHost>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      let unsubscribe = (): void => undefined;
      const finish = (settle: () => void): void => {
        unsubscribe();
        for (const timer of timers) clearInterval(timer);
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      const check = (): void => {
        if (this.monitor.closed) {
          finish(() => reject(this.#unavailable(performance.now() - startedAt, 'closed')));
          return;
        }
        const host = this.#choose();
        if (host !== undefined) finish(() => resolve(host));
      };
      const onAbort = (): void => finish(() => reject(signal?.reason));
      unsubscribe = this.monitor.subscribe(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      const poll = setInterval(check, this.monitor.cluster.probeIntervalMs);
      poll.unref();
      timers.push(poll);
      if (deadline !== undefined) {
        const timeout = setTimeout(
          () => {
            const why = this.#cluster.readers.fallbackToWriter ? 'no-reader-or-writer' : 'no-reader';
            finish(() => reject(this.#unavailable(performance.now() - startedAt, why)));
          },
          Math.max(0, deadline - performance.now()),
        );
        timeout.unref();
        timers.push(timeout);
      }
    });
  }

  #unavailable(
    elapsedMs: number,
    why: 'no-reader' | 'no-reader-or-writer' | 'closed',
  ): ClusterUnavailableError {
    return new ClusterUnavailableError({
      hosts: this.monitor.describeHosts(),
      elapsedMs: Math.round(elapsedMs),
      why,
    });
  }
}
