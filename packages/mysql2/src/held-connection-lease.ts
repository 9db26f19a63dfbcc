/** How a lease hands connections back: to the pool (`giveBack`), or out of it for good (`discard`). */
export interface LeasePool<C> {
  giveBack(connection: C): void;
  discard(connection: C): void;
}

function releasedError(): Error {
  return new Error('The connection was released.');
}

/**
 * A connection the application holds (from getConnection), once its session was lost and replaced:
 * the application keeps the very object it was handed (Kysely, Drizzle and TypeORM key their own
 * state on it), and its statements run on the replacement from then on until it is released.
 *
 * Statements that lose the same connection at once share one replacement; a statement that lost a
 * connection already replaced runs on the replacement; a replacement that arrives after the holder
 * let go goes straight back to the pool.
 */
export class HeldConnectionLease<C> {
  #replacement: C | undefined;
  #replacing: Promise<C> | undefined;
  #released = false;

  constructor(
    readonly held: C,
    private readonly pool: LeasePool<C>,
  ) {}

  /** Where the holder's statements run: the replacement once there is one, else the held connection. */
  get current(): C {
    return this.#replacement ?? this.held;
  }

  /**
   * `failed` is gone: it leaves the pool and a fresh connection from `acquire` takes its place. Answers
   * the replacement in progress, or the current connection when `failed` was already replaced.
   */
  replace(failed: C, acquire: () => Promise<C>): Promise<C> {
    if (this.#replacing !== undefined) return this.#replacing;
    const current = this.current;
    if (current !== failed) return Promise.resolve(current);
    if (this.#released) return Promise.reject(releasedError());
    if (this.#replacement !== undefined) this.#replacement = undefined;
    this.pool.discard(failed);
    const replacing = acquire()
      .then((fresh) => {
        if (this.#released) {
          this.pool.giveBack(fresh);
          throw releasedError();
        }
        this.#replacement = fresh;
        return fresh;
      })
      .finally(() => {
        this.#replacing = undefined;
      });
    this.#replacing = replacing;
    return replacing;
  }

  /** The holder let go: the replacement goes back to the pool (the held connection left it when it was replaced). */
  release(): void {
    this.#let(this.pool.giveBack);
  }

  /** The holder destroyed what it holds: so is the replacement. */
  destroy(): void {
    this.#let(this.pool.discard);
  }

  #let(hand: (connection: C) => void): void {
    this.#released = true;
    const replacement = this.#replacement;
    this.#replacement = undefined;
    if (replacement !== undefined) hand.call(this.pool, replacement);
  }
}
