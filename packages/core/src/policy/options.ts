import type { ClusterOptions, ClusterPolicy } from '../cluster/cluster-options.js';
import type { ClusterRole } from '../cluster/cluster-routing.js';

/**
 * The options every goneaway package accepts (plain TypeScript types: zod stays private).
 * Defaults are right for a typical web service; `parsePolicy(options)` validates and freezes them.
 */
export interface GoneAwayOptions {
  /** Run a read again after its connection died mid-flight (it may have run; reads are idempotent). Default `true`. */
  retryReads?: boolean;
  /**
   * Writes: `'when-not-sent'` (default) runs a write again only when the connection was found dead
   * before the statement was sent; `'never'` never runs a write again.
   */
  retryWrites?: 'when-not-sent' | 'never';
  /**
   * How long a call may wait out an outage before `DatabaseUnavailableError` (GONEAWAY_UNAVAILABLE).
   * Default 5000.
   *
   * What it bounds: from the call's start, every wait for a connection to be made (a connect in
   * flight, its own or one it shares; a wait for the single-flight connect slot; the backoff between
   * attempts) ends at `start + outageBudgetMs`. A connect still in flight then is abandoned by the
   * caller (the connect itself ends at `connectTimeoutMs`; a connection it brings goes to the pool)
   * and no new attempt starts. The slack: a connect is never abandoned less than MIN_CONNECT_WAIT_MS
   * (100 ms) after it started, so a call ends at most 100 ms after its budget, plus event-loop delay.
   *
   * What it does not bound: a statement running on an established connection is never cut off (use
   * `statementTimeoutMs`); when one fails after running (its connection died mid-flight and it may
   * run again), the budget counts from that failure instead. Waiting for a busy pool's connection to
   * be released is never cut off either (the pool's own acquire timeout), though it counts.
   *
   * `elapsedMs` on the error is what the caller waited, from the start of its call.
   */
  outageBudgetMs?: number;
  backoff?: {
    /** First delay ceiling; full jitter picks a delay in [0, ceiling). Default 25. */
    initialDelayMs?: number;
    /** Largest delay ceiling. Default 1000. */
    maxDelayMs?: number;
  };
  validation?: {
    /** A connection used within this window is handed out without a ping. Default 500. */
    bypassWindowMs?: number;
    /**
     * How long a validation ping may take before its connection is called half-open and replaced.
     * `'auto'` (default): three times the pool's observed round trip (the slowest recent ping, or the
     * lower quartile of hand-out-to-use times if larger), at least 200 ms, at most 1000 ms. A number
     * is a fixed timeout, kept as given (lower to detect sooner, higher for a slow server or link).
     * Either way, time the event loop spent blocked (a long synchronous task, a GC pause) does not
     * count against the ping: its answer may be waiting unread.
     */
    pingTimeoutMs?: 'auto' | number;
  };
  /** Retire connections idle this long: `'auto'` (default) derives it below the server's `wait_timeout`; a number (ms); `false` disables. */
  idleLimitMs?: 'auto' | number | false;
  /** Retire connections this old: `'auto'` (default) derives it below `wait_timeout`; a number (ms); `false` disables. */
  maxLifetimeMs?: 'auto' | number | false;
  /** Reject a statement whose packet exceeds the server's `max_allowed_packet` before sending it. Default `true`. */
  packetGuard?: boolean;
  /** Client-side statement timeout (ms); the connection of a timed-out statement is destroyed. Default `false` (off). */
  statementTimeoutMs?: number | false;
  /** How long the circuit stays open before one probe may try the server again. Default 1000. */
  circuitBreaker?: {
    probeIntervalMs?: number;
  };
  /** TCP keepalive probes start after this much idle time (ms); `false` leaves the OS default. Default 30000. */
  keepAliveInitialDelayMs?: number | false;
  /** Evict a connection whose write hit a read-only server (1290/1792/1836: after a failover). Default `true`. */
  evictOnReadOnly?: boolean;
  /**
   * Connect timeout for new connections (ms), given to the driver. Default 10000. A call stops
   * waiting for a connect at its outage budget even when this is longer (see `outageBudgetMs`).
   */
  connectTimeoutMs?: number;
  /** A name carried in every event of this instance (metrics labels). Default `'default'`. */
  name?: string;
  /**
   * Several servers (Galera, primary/replica) or a proxy in front of them: a host list and how to tell
   * the writer, or the URL form `'mysql://user:pw@h1:3306,h2:3306/db?flavor=galera'` (only the hosts
   * and `flavor` are read from it). Absent (default): one server, as the connection config says.
   */
  cluster?: ClusterOptions | string;
  /**
   * Which hosts of the `cluster` this pool uses: `'writer'` (default) follows the writer; `'reader'`
   * spreads reads over the readers in rotation (needs `cluster` with `readers.enabled: true`; a
   * second pool or instance beside the writer's). Writes sent through a reader pool are not moved:
   * a replica refuses them with its read-only error.
   */
  role?: ClusterRole;
}

/** The parsed, frozen, fully defaulted policy. */
export interface Policy {
  readonly retryReads: boolean;
  readonly retryWrites: 'when-not-sent' | 'never';
  readonly outageBudgetMs: number;
  readonly backoff: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly validation: { readonly bypassWindowMs: number; readonly pingTimeoutMs: 'auto' | number };
  readonly idleLimitMs: 'auto' | number | false;
  readonly maxLifetimeMs: 'auto' | number | false;
  readonly packetGuard: boolean;
  readonly statementTimeoutMs: number | false;
  readonly circuitBreaker: { readonly probeIntervalMs: number };
  readonly keepAliveInitialDelayMs: number | false;
  readonly evictOnReadOnly: boolean;
  readonly connectTimeoutMs: number;
  readonly name: string;
  /** Present only when the `cluster` option was given. */
  readonly cluster?: ClusterPolicy;
  readonly role: ClusterRole;
}
