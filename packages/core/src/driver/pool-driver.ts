/** What one attempt of an acquire is told by the retry engine. */
export interface AcquireContext {
  /** 1 for the first attempt of a call. */
  readonly attempt: number;
  readonly signal?: AbortSignal;
  /** The call's outage deadline (monotonic ms), if it has one: a wait for a connection to be made ends there. */
  readonly deadline?: number;
}

/**
 * What goneaway's pipeline needs of a library's pool (kysely's `Driver` idea): whether an acquire
 * would make a new connection, the library's own acquire and create, and giving a connection back
 * or out. The pipeline adds the rest: new connections through the single-flight reconnect gate, each
 * adopted once, each checked before hand-out, a connection that fails the check destroyed.
 */
export interface PoolDriver<C extends object> {
  /** An acquire now would make a new connection (none idle, room to grow): it goes through the gate. */
  wouldConnect(context: AcquireContext): boolean;
  /** The library's acquire of a connection it has (or makes, as a busy pool's waiter). */
  acquire(context: AcquireContext): Promise<C>;
  /** The library's acquire when a new connection is to be made; nothing of the application's is sent. */
  create(context: AcquireContext): Promise<C>;
  /** Gives a connection back to the pool. */
  release(connection: C): void;
  /** Takes a connection out of the pool for good. */
  destroy(connection: C): void;
  /** Where new connections go (host:port or a socket path): never a credential. */
  target?(): string | undefined;
}
