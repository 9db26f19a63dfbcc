import { systemTimerClock, type TimerClock } from '../connections/timer-clock.js';
import type { HostStateChangedEvent, SplitBrainEvent, WriterChangedEvent } from '../events/event-types.js';
import { type ClusterHost, type ClusterPolicy, type HostState, hostKey } from './cluster-options.js';
import { ClusterUnavailableError } from './cluster-unavailable-error.js';
import { type Election, electWriter } from './elect-writer.js';
import { probeGalera } from './probe-galera.js';
import { probeProxy, replicationProbe } from './probe-replication.js';
import type { ProbeConnection, ProbeFunction, ProbeResult } from './probe-result.js';
import { WrittenGtids } from './written-gtids.js';

/** A connection the monitor probes on, kept open between probes and destroyed after any failure. */
export interface MonitorConnection extends ProbeConnection {
  /** Closes the socket now, without waiting for the server (it may not answer). Idempotent. */
  destroy(): void;
}

/**
 * Opens a probe connection to one host (driver-neutral: adapters pass a mysql2 or mariadb connect
 * with the user's credentials). `signal` aborts when the probe times out: stop connecting then.
 */
export type ProbeConnector = (host: ClusterHost, signal: AbortSignal) => Promise<MonitorConnection>;

/** What the monitor emits: event inputs (an EventHub adds `source` and `time` when forwarding them). */
export type ClusterEvent =
  | Omit<HostStateChangedEvent, 'source' | 'time'>
  | Omit<WriterChangedEvent, 'source' | 'time'>
  | Omit<SplitBrainEvent, 'source' | 'time'>;
export type ClusterListener = (event: ClusterEvent) => void;

export interface ClusterMonitorOptions {
  readonly cluster: ClusterPolicy;
  readonly connect: ProbeConnector;
  /** Default: the flavor's probe (probeGalera, replicationProbe with the readers' maxLagMs, probeProxy). */
  readonly probe?: ProbeFunction;
  /** Default: the monotonic clock with unref'd timers. */
  readonly clock?: TimerClock;
  /** In [0, 1): the jitter of the down backoff. Default Math.random. */
  readonly random?: () => number;
}

/** One host as the monitor sees it now. */
export interface HostSnapshot {
  readonly host: ClusterHost;
  /** `host:port`. */
  readonly key: string;
  readonly state: HostState;
  /** Why it is in that state: words and numbers, never a driver message. */
  readonly reason: string;
  /** Clock time of the last state change. */
  readonly sinceMs: number;
  readonly writer: boolean;
  /** The last successful probe's answer. */
  readonly probe: ProbeResult | undefined;
  /** Probes that failed in a row (0 after a success). */
  readonly failures: number;
}

export interface WriterWaitOptions {
  /** Give up after this long (ms) with ClusterUnavailableError (GONEAWAY_UNAVAILABLE naming every host). */
  readonly timeoutMs?: number;
  /** Give up when aborted, rejecting with the signal's reason. */
  readonly signal?: AbortSignal;
}

interface HostRecord {
  readonly host: ClusterHost;
  readonly key: string;
  state: HostState;
  reason: string;
  sinceMs: number;
  probe: ProbeResult | undefined;
  failures: number;
  connection: MonitorConnection | undefined;
  inFlight: Promise<HostState> | undefined;
  /** Bumped by suspect(): a probe that started before the report cannot clear it with an older "up". */
  reports: number;
  /** The probe in flight was started by a report: later reports share it (single flight). */
  inFlightAnswersReports: boolean;
  timer: unknown;
  /** Clock time the last successful probe answered (-Infinity before the first). */
  answeredAtMs: number;
}

interface Waiter {
  readonly resolve: (host: ClusterHost) => void;
  readonly reject: (error: unknown) => void;
}

class ProbeTimeout extends Error {}

/**
 * The health of every host of one cluster: probes each on an interval (and at once on `suspect()`),
 * each probe bounded by `probeTimeoutMs` (connect included), so a blackholed host is found by the
 * probe timeout and never by a statement that hangs. One probe per host at a time (single flight).
 * A host that fails twice in a row is `down` (at once when its probe timed out while a host that can
 * take its place answered) and probed again with a backoff that grows to
 * `downBackoffMs.maxMs`: never dropped for good. Chooses the writer after every change and emits
 * `host-state-changed`, `writer-changed` and `split-brain`. Timers are unref'd; `close()` ends it.
 */
export class ClusterMonitor {
  readonly cluster: ClusterPolicy;
  /** The GTIDs the writer pools of this process committed (replication read-your-writes), shared with its reader pools. */
  readonly writtenGtids: WrittenGtids = new WrittenGtids();
  readonly #connect: ProbeConnector;
  #probe: ProbeFunction;
  /** The lag threshold of the default replication probe; undefined while lag is not read. */
  #lagThresholdMs: number | undefined;
  readonly #defaultProbe: boolean;
  readonly #clock: TimerClock;
  readonly #random: () => number;
  readonly #hosts: HostRecord[];
  #writer: string | undefined;
  #splitBrain: readonly string[] = [];
  #listeners: readonly ClusterListener[] = [];
  readonly #waiters = new Set<Waiter>();
  #started = false;
  #closed = false;

  constructor(options: ClusterMonitorOptions) {
    this.cluster = options.cluster;
    this.#connect = options.connect;
    this.#clock = options.clock ?? systemTimerClock;
    this.#random = options.random ?? Math.random;
    this.#probe = options.probe ?? defaultProbe(options.cluster);
    this.#defaultProbe = options.probe === undefined;
    if (this.#defaultProbe && options.cluster.flavor === 'replication' && options.cluster.readers.enabled) {
      this.#lagThresholdMs = options.cluster.readers.maxLagMs;
    }
    const now = this.#clock.now();
    this.#hosts = options.cluster.hosts.map((host) => ({
      host,
      key: hostKey(host),
      state: 'suspect',
      reason: 'not probed yet',
      sinceMs: now,
      probe: undefined,
      failures: 0,
      connection: undefined,
      inFlight: undefined,
      reports: 0,
      inFlightAnswersReports: false,
      timer: undefined,
      answeredAtMs: Number.NEGATIVE_INFINITY,
    }));
  }

  /** Probes every host now and keeps probing. Idempotent; `writer()` and `suspect()` start it too. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    for (const record of this.#hosts) void this.#probeHost(record);
  }

  /**
   * A pool with readers (`readers.enabled`) leased this monitor, which another pool may have made
   * without: replicas' lag is read from the next probe on, and the smallest `maxLagMs` asked for makes
   * a replica `lagging` (a reader pool with a larger one still reads from it: readersInRotation
   * compares the lag itself). Only the default replication probe reads lag.
   */
  readLagUpTo(maxLagMs: number): void {
    if (!this.#defaultProbe || this.cluster.flavor !== 'replication') return;
    if (this.#lagThresholdMs !== undefined && this.#lagThresholdMs <= maxLagMs) return;
    this.#lagThresholdMs = maxLagMs;
    this.#probe = replicationProbe({ maxLagMs });
  }

  /** Listens to this monitor's events. Returns the function that unsubscribes. */
  subscribe(listener: ClusterListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#listeners = this.#listeners.filter((candidate) => candidate !== listener);
    };
  }

  /**
   * Calls `listener(host)` when a host stops answering (`down`: a crash, a blackhole) or leaves the
   * cluster (`non-primary`): statements in flight there may never be answered, whatever pool sent
   * them. Returns the function that unsubscribes.
   */
  onHostLost(listener: (host: string) => void): () => void {
    return this.subscribe((event) => {
      if (event.type === 'host-state-changed' && (event.to === 'down' || event.to === 'non-primary')) {
        listener(event.host);
      }
    });
  }

  /** Every host, in list order. */
  hosts(): HostSnapshot[] {
    return this.#hosts.map((record) => ({
      host: record.host,
      key: record.key,
      state: record.state,
      reason: record.reason,
      sinceMs: record.sinceMs,
      writer: record.key === this.#writer,
      probe: record.probe,
      failures: record.failures,
    }));
  }

  /** The state of one host (`host:port` or `{ host, port }`), or undefined if it is not in the list. */
  stateOf(host: ClusterHost | string): HostState | undefined {
    return this.#record(host)?.state;
  }

  /**
   * `host:port` of the writer chosen, `up` or `suspect` (one failure: a probe is on its way; the writer
   * moves only when the probe finds it down, read-only, non-primary…); undefined while there is none.
   */
  electedWriterKey(): string | undefined {
    return this.#writer;
  }

  /** The writer when one is chosen and `up`; undefined while there is none or it is suspect. */
  currentWriter(): ClusterHost | undefined {
    const record = this.#writerRecord();
    return record?.state === 'up' ? record.host : undefined;
  }

  /**
   * The writer, at once when there is one and it is `up`; else waits for one (a suspect writer's probe
   * settling, a failover, a node coming back) until `timeoutMs` or the signal. Starts the monitor.
   */
  writer(options: WriterWaitOptions = {}): Promise<ClusterHost> {
    this.start();
    const current = this.currentWriter();
    if (current !== undefined) return Promise.resolve(current);
    if (this.#closed) return Promise.reject(this.#unavailable(0, 'closed'));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const startedAt = this.#clock.now();
    return new Promise<ClusterHost>((resolve, reject) => {
      let timer: unknown;
      const cleanup = (): void => {
        this.#waiters.delete(waiter);
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: (host) => {
          cleanup();
          resolve(host);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.reject(options.signal?.reason);
      this.#waiters.add(waiter);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = this.#clock.setTimeout(() => {
          waiter.reject(this.#unavailable(this.#clock.now() - startedAt, 'no-writer'));
        }, options.timeoutMs);
      }
    });
  }

  /**
   * A pool saw an error on this host: it is `suspect` (no new writes to it) until a probe, started
   * now, settles its state. A host already `down` keeps its backoff. Resolves to the state the probe
   * found (single flight: a probe already running is shared).
   */
  suspect(host: ClusterHost | string, reason = 'an error was reported on this host'): Promise<HostState> {
    const record = this.#record(host);
    if (record === undefined || this.#closed) return Promise.resolve(record?.state ?? 'down');
    this.start();
    if (record.state === 'down') return record.inFlight ?? Promise.resolve(record.state);
    if (record.inFlight !== undefined && record.inFlightAnswersReports) {
      // Concurrent reports of one failure share the probe the first one started.
      this.#setState(record, 'suspect', reason);
      return record.inFlight;
    }
    record.reports += 1;
    this.#setState(record, 'suspect', reason);
    // A routine probe already running started before this report: the answer is the one after it.
    const running = record.inFlight;
    if (running === undefined) return this.#probeForReport(record);
    return running.then(() => {
      if (this.#closed) return record.state;
      return record.inFlight ?? this.#probeForReport(record);
    });
  }

  /** Probes one host now (single flight) and resolves to its state after the probe. */
  probeNow(host: ClusterHost | string): Promise<HostState> {
    const record = this.#record(host);
    if (record === undefined || this.#closed) return Promise.resolve(record?.state ?? 'down');
    return this.#probeHost(record);
  }

  /** `127.0.0.1:3306 up (writer); 127.0.0.2:3306 down (probe timed out after 1000 ms)`: for messages. */
  describeHosts(): string {
    return this.#hosts
      .map(
        (record) =>
          `${record.key} ${record.state}${record.key === this.#writer ? ' (writer)' : ''} (${record.reason})`,
      )
      .join('; ');
  }

  /** Stops probing, destroys the probe connections, rejects every waiting `writer()`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const record of this.#hosts) {
      if (record.timer !== undefined) this.#clock.clearTimeout(record.timer);
      record.timer = undefined;
      record.connection?.destroy();
      record.connection = undefined;
    }
    for (const waiter of [...this.#waiters]) waiter.reject(this.#unavailable(0, 'closed'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  #record(host: ClusterHost | string): HostRecord | undefined {
    const key = typeof host === 'string' ? host : hostKey(host);
    return this.#hosts.find((record) => record.key === key);
  }

  #writerRecord(): HostRecord | undefined {
    return this.#writer === undefined ? undefined : this.#record(this.#writer);
  }

  #probeForReport(record: HostRecord): Promise<HostState> {
    const flight = this.#probeHost(record);
    record.inFlightAnswersReports = true;
    return flight;
  }

  #probeHost(record: HostRecord): Promise<HostState> {
    if (record.inFlight !== undefined) return record.inFlight;
    if (record.timer !== undefined) {
      this.#clock.clearTimeout(record.timer);
      record.timer = undefined;
    }
    const flight = this.#runProbe(record).finally(() => {
      record.inFlight = undefined;
      record.inFlightAnswersReports = false;
      this.#scheduleNext(record);
    });
    record.inFlight = flight;
    return flight;
  }

  async #runProbe(record: HostRecord): Promise<HostState> {
    const reportsAtStart = record.reports;
    const startedAtMs = this.#clock.now();
    const controller = new AbortController();
    const timeoutMs = this.cluster.probeTimeoutMs;
    let timedOut!: () => void;
    const timeout = new Promise<never>((_, reject) => {
      timedOut = () => reject(new ProbeTimeout());
    });
    timeout.catch(() => undefined);
    const timer = this.#clock.setTimeout(() => {
      controller.abort(new ProbeTimeout());
      timedOut();
    }, timeoutMs);
    try {
      let connection = record.connection;
      if (connection === undefined) {
        const connecting = this.#connect(record.host, controller.signal);
        // A connect that completes after the timeout (or after close) is closed at once.
        connecting.then(
          (late) => {
            if (controller.signal.aborted || this.#closed) late.destroy();
          },
          () => undefined,
        );
        connection = await Promise.race([connecting, timeout]);
        // Closed meanwhile: the handler above has destroyed it.
        if (this.#closed) return record.state;
        record.connection = connection;
      }
      const probing = this.#probe(connection);
      probing.catch(() => undefined);
      const result = await Promise.race([probing, timeout]);
      if (this.#closed) return record.state;
      record.failures = 0;
      record.probe = result;
      record.answeredAtMs = this.#clock.now();
      // Stale: an error was reported while this probe ran. The host stays suspect; the next probe decides.
      if (record.reports === reportsAtStart) this.#setState(record, result.state, result.reason);
    } catch (error) {
      record.connection?.destroy();
      record.connection = undefined;
      if (this.#closed) return record.state;
      record.failures += 1;
      const timedOut = error instanceof ProbeTimeout;
      const peer = timedOut ? this.#peerThatAnswered(record, startedAtMs) : undefined;
      const reason = timedOut
        ? `probe timed out after ${timeoutMs} ms${peer === undefined ? '' : ` while ${peer.key} answered`}`
        : `probe failed (${failureCode(error)})`;
      // One failure makes a host suspect and probes it again at once; a second in a row makes it down.
      // A probe that timed out while another host that can take over answered is down at once: the
      // host is silent, not the machine slow, and the second probe's timeout would only keep every
      // statement hung on it (a blackhole) a probe timeout longer.
      const down = record.failures >= 2 || record.state === 'down' || peer !== undefined;
      this.#setState(record, down ? 'down' : 'suspect', reason);
    } finally {
      this.#clock.clearTimeout(timer);
    }
    return record.state;
  }

  /**
   * Another host, `up`, that could take this host's place and answered while this host's probe (begun
   * at `sinceMs`) did not: its probe answered since then, or its last one answered at most one interval
   * before and its next is not due yet (none in flight: a probe in flight that is late is no evidence
   * the machine is quick). On Galera any Synced node can (every node writes); with replication or a
   * proxy only when this host is not the writer, since a primary has no stand-in until one is promoted.
   */
  #peerThatAnswered(record: HostRecord, sinceMs: number): HostRecord | undefined {
    if (this.cluster.flavor !== 'galera' && record.key === this.#writer) return undefined;
    const freshSinceMs = sinceMs - this.cluster.probeIntervalMs;
    return this.#hosts.find(
      (other) =>
        other !== record &&
        other.state === 'up' &&
        (other.answeredAtMs >= sinceMs ||
          (other.inFlight === undefined && other.answeredAtMs >= freshSinceMs)),
    );
  }

  #scheduleNext(record: HostRecord): void {
    if (this.#closed || record.timer !== undefined) return;
    record.timer = this.#clock.setTimeout(() => {
      record.timer = undefined;
      void this.#probeHost(record);
    }, this.#nextDelay(record));
  }

  #nextDelay(record: HostRecord): number {
    if (record.state === 'suspect') return 0;
    if (record.state !== 'down') return this.cluster.probeIntervalMs;
    const { minMs, maxMs } = this.cluster.downBackoffMs;
    const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(30, Math.max(0, record.failures - 2)));
    // Half fixed, half jitter: hosts that went down together are not probed in lockstep.
    return ceiling / 2 + (this.#random() * ceiling) / 2;
  }

  #setState(record: HostRecord, to: HostState, reason: string): void {
    const from = record.state;
    record.reason = reason;
    if (from !== to) {
      record.state = to;
      record.sinceMs = this.#clock.now();
      this.#emit({ type: 'host-state-changed', host: record.key, from, to, reason });
    }
    this.#elect();
  }

  #elect(): void {
    const election: Election = electWriter(
      this.cluster.flavor,
      this.#hosts.map((record) => ({ key: record.key, state: record.state, probe: record.probe })),
      this.#writer,
    );
    const next = election.kind === 'writer' ? election.key : undefined;
    const splitBrain = election.kind === 'split-brain' ? election.keys : [];
    if (splitBrain.join(',') !== this.#splitBrain.join(',')) {
      this.#splitBrain = splitBrain;
      if (splitBrain.length > 0) this.#emit({ type: 'split-brain', hosts: splitBrain });
    }
    if (next !== this.#writer) {
      const from = this.#writer;
      this.#writer = next;
      this.#emit({ type: 'writer-changed', from, to: next });
    }
    const writer = this.currentWriter();
    if (writer !== undefined) for (const waiter of [...this.#waiters]) waiter.resolve(writer);
  }

  #emit(event: ClusterEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not stop the monitor; EventHub counts its own listeners' errors.
      }
    }
  }

  #unavailable(elapsedMs: number, why: 'no-writer' | 'closed'): ClusterUnavailableError {
    return new ClusterUnavailableError({ hosts: this.describeHosts(), elapsedMs, why });
  }
}

function defaultProbe(cluster: ClusterPolicy): ProbeFunction {
  switch (cluster.flavor) {
    case 'galera':
      return probeGalera;
    case 'proxy':
      return probeProxy;
    default:
      return replicationProbe(cluster.readers.enabled ? { maxLagMs: cluster.readers.maxLagMs } : {});
  }
}

/** A failed probe is named by its error code (ECONNREFUSED, ER_ACCESS_DENIED_ERROR), never by its message. */
function failureCode(error: unknown): string {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  if (typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code)) return code;
  if (typeof errno === 'number') return `errno ${errno}`;
  return 'no error code';
}
