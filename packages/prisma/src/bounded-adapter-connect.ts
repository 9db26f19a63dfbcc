import { DatabaseUnavailableError } from '@goneaway/core';
import { connectCutOffAt, markConnectPhase } from '@goneaway/core/adapter';

/**
 * What the factory's connect still waiting at the deadline means: mariadb's pool got no first
 * connection, and it says why only when its own acquireTimeout ends (a wrong password included).
 */
function firstConnectCutOff(): Error {
  return markConnectPhase(
    Object.assign(
      new Error(
        'connect ETIMEDOUT: no first connection in the mariadb pool within the outage budget (server down or unreachable, or refusing these credentials: mariadb says which after its acquireTimeout)',
      ),
      { code: 'ETIMEDOUT', syscall: 'connect' },
    ),
  );
}

/**
 * The adapter factory's own connect(), with the caller's wait bounded by the outage budget.
 *
 * `PrismaMariaDb.connect()` creates its mariadb pool and, the first time, runs `SELECT VERSION()` on
 * it (getCapabilities) before handing the adapter over, so before goneaway can wrap the pool: against
 * a host that never greets, or a refused port, that first query waits for mariadb's acquireTimeout
 * (10 s by default), and Prisma's first call with it. Here the caller stops waiting at the deadline
 * (GONEAWAY_UNAVAILABLE); the connect itself runs on, single-flight: the next call shares it, and an
 * adapter that arrives after its callers gave up is kept for the next one (not leaked, not made twice).
 * The factory keeps no settings goneaway can read, so that error cannot say where it tried, nor tell
 * a wrong password (which mariadb reports only when its acquireTimeout ends) from an outage.
 */
export class BoundedAdapterConnect<A> {
  readonly #connect: () => Promise<A>;
  readonly #budgetMs: number;
  readonly #now: () => number;
  #inFlight: Promise<A> | undefined;
  /** Callers still waiting for the connect in flight. */
  #waiting = 0;
  /** An adapter that connected after its callers gave up. */
  #ready: { readonly adapter: A } | undefined;

  constructor(connect: () => Promise<A>, budgetMs: number, now: () => number = () => performance.now()) {
    this.#connect = connect;
    this.#budgetMs = budgetMs;
    this.#now = now;
  }

  async connect(): Promise<A> {
    const ready = this.#ready;
    if (ready !== undefined) {
      this.#ready = undefined;
      return ready.adapter;
    }
    const startedAt = this.#now();
    const inFlight = this.#inFlight ?? this.#start();
    this.#waiting++;
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<never>((_resolve, reject) => {
      const at = connectCutOffAt(startedAt + this.#budgetMs, startedAt);
      timer = setTimeout(() => {
        reject(
          new DatabaseUnavailableError({
            attempts: 1,
            elapsedMs: this.#now() - startedAt,
            cause: firstConnectCutOff(),
          }),
        );
      }, at - startedAt);
    });
    try {
      return await Promise.race([inFlight, cutOff]);
    } finally {
      clearTimeout(timer);
      this.#waiting--;
    }
  }

  #start(): Promise<A> {
    const inFlight = this.#connect();
    this.#inFlight = inFlight;
    inFlight.then(
      (adapter) => {
        this.#inFlight = undefined;
        // Nobody took it (the callers' budgets ran out first): the next connect() gets it.
        if (this.#waiting === 0) this.#ready = { adapter };
      },
      () => {
        this.#inFlight = undefined;
      },
    );
    return inFlight;
  }
}
