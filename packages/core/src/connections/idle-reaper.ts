/**
 * Retires idle pooled connections shortly before the server would close them (the deadline an adapter
 * gives is the connection's derived idle or lifetime limit, below wait_timeout). Pools check a
 * connection only when it is handed out, so without it a connection kept idle would sit there until
 * the server closed it: knex prints "Connection Error" then, and for mysql2 the socket error makes
 * every other connection suspect. One timer for the whole pool, armed for the earliest deadline,
 * keeps the hot path to two Map operations.
 */
/** The longest delay setTimeout honours. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export class IdleReaper<T extends object> {
  /** Idle connections by deadline (monotonic ms); insertion order is release order. */
  readonly #deadlines = new Map<T, number>();
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(private readonly retire: (item: T) => void) {}

  /** The connection went back to the pool and should be retired at `deadline` if still idle then. */
  idle(item: T, deadline: number): void {
    if (this.#closed || !Number.isFinite(deadline)) return;
    this.#deadlines.delete(item);
    this.#deadlines.set(item, deadline);
    if (deadline < this.#armedFor) this.#arm(deadline);
  }

  /** The connection was handed out or destroyed. */
  busy(item: T): void {
    this.#deadlines.delete(item);
  }

  close(): void {
    this.#closed = true;
    this.#deadlines.clear();
    this.#disarm();
  }

  #arm(deadline: number): void {
    this.#disarm();
    this.#armedFor = deadline;
    // setTimeout takes at most 2^31 - 1 ms (about 24.8 days: a wait_timeout of a year derives a longer
    // limit); a longer delay would fire at once, again and again. The sweep re-arms for what is left.
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, deadline - performance.now()));
    this.#timer = setTimeout(() => this.#sweep(), delay);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [item, deadline] of this.#deadlines) {
      if (deadline <= now) {
        this.#deadlines.delete(item);
        this.retire(item);
      } else if (deadline < next) {
        next = deadline;
      }
    }
    if (!this.#closed && Number.isFinite(next)) this.#arm(next);
  }
}
