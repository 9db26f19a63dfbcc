/** No validation ping is given up on sooner ('auto'): a healthy connection on any network answers well within it. */
export const PING_TIMEOUT_FLOOR_MS = 200;
/** How many of the pool's round trips a ping may take before its connection is called half-open ('auto'). */
export const ROUND_TRIP_MULTIPLIER = 3;
/** The longest an 'auto' ping timeout gets, however slow the pool's round trips look (the old fixed default). */
export const AUTO_PING_TIMEOUT_MAX_MS = 1000;

const SAMPLES = 32;

/** The last SAMPLES values of one kind. */
class SampleRing {
  readonly #values = new Float64Array(SAMPLES);
  #count = 0;
  #next = 0;

  add(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % SAMPLES;
    if (this.#count < SAMPLES) this.#count++;
  }

  /** The q-quantile (nearest rank) of the samples kept; 0 when there are none. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const sorted = this.#values.slice(0, this.#count).sort();
    return sorted[Math.min(this.#count - 1, Math.floor(q * this.#count))] ?? 0;
  }
}

/**
 * How long a round trip to the server takes on one pool, from two kinds of evidence:
 * - validation pings, pure round trips: the slowest recent one (of 32, about the 97th percentile);
 * - hand-outs, from the moment a connection was handed out to its first use ending: a round trip
 *   plus whatever the statement or transaction did, so only their lower quartile counts — a slow
 *   network makes every hold slow, a slow query only some.
 * The ping timeout follows the larger, so a pool behind a slow link or proxy is not evicted for it.
 * Recording is a ring write (holds are recorded on the hot path); the estimate is computed only when
 * a ping is due.
 */
export class RoundTripEstimator {
  readonly #pings = new SampleRing();
  readonly #holds = new SampleRing();

  recordPing(roundTripMs: number): void {
    if (roundTripMs >= 0) this.#pings.add(roundTripMs);
  }

  recordHold(holdMs: number): void {
    if (holdMs >= 0) this.#holds.add(holdMs);
  }

  /** The round trip a healthy connection of this pool may take, in ms (0 before any evidence). */
  roundTripMs(): number {
    return Math.max(this.#pings.quantile(1), this.#holds.quantile(0.25));
  }

  /**
   * The timeout of the next validation ping. 'auto': ROUND_TRIP_MULTIPLIER round trips, at least
   * PING_TIMEOUT_FLOOR_MS, at most AUTO_PING_TIMEOUT_MAX_MS. A number is the user's own timeout, kept
   * as given (a user who raised it for a slow server must not get 200 ms back). Either way event-loop
   * stalls are not part of it: pingWithTimeout leaves them out of the time it counts.
   */
  pingTimeoutMs(setting: 'auto' | number): number {
    if (setting !== 'auto') return setting;
    return Math.min(
      AUTO_PING_TIMEOUT_MAX_MS,
      Math.max(PING_TIMEOUT_FLOOR_MS, ROUND_TRIP_MULTIPLIER * this.roundTripMs()),
    );
  }
}
