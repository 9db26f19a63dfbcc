/**
 * What goneaway's pipeline needs of one connection of a database library, answered by the adapter
 * for that library's connection objects (mysql2's, mariadb's): kysely's `DatabaseConnection` idea,
 * as one stateless object per adapter that takes the library's own connection as its first argument,
 * so the pipeline never wraps a connection and core never reads a driver's private fields.
 *
 * `C` is the library's connection; `S` the shape of one statement the adapter measures for the
 * packet guard (its SQL and values, as the library takes them).
 */
export interface ConnectionDriver<C extends object, S = never> {
  /**
   * The object a connection's state is kept under: the connection itself, unless the library hands
   * out a new wrapper for one physical connection on each acquire (mariadb's ConnectionPromise).
   */
  keyOf?(connection: C): object;
  /** The library already knows the connection can not be used again (a fatal error, closing, its socket gone). */
  isBroken(connection: C): boolean;
  /** One round trip; `callback` once, with the error if it failed. */
  ping(connection: C, callback: (error?: unknown) => void): void;
  /** A statement of goneaway's own (the server's limits), its rows, bounded by `timeoutMs`. */
  query(connection: C, sql: string, timeoutMs: number): Promise<ReadonlyArray<Record<string, unknown>>>;
  /** Ends the socket now, without a goodbye: the connection leaves its pool. */
  destroy(connection: C): void;
  /**
   * Leaves the pool and says goodbye (COM_QUIT), for an idle connection goneaway retires before the
   * server's wait_timeout. Without it goneaway retires nothing: the library's own pool does.
   */
  closePolitely?(connection: C): void;
  /** Whether the connection sits idle in its pool right now (only such a connection is retired). Default: yes. */
  isIdle?(connection: C): boolean;
  /** `host:port` the connection went to (for a pool routed to a cluster's writer). */
  hostOf?(connection: C): string | undefined;
  /** TCP keepalive on the connection's socket, when the library does not set it itself. */
  setKeepAlive?(connection: C, initialDelayMs: number): void;
  /** Listens for the error the library reports on an idle connection (the server closed it, a reset). */
  onError?(connection: C, listener: (error: unknown) => void): void;
  /**
   * The size of the packet `statement` would send, when it may reach `maxAllowedPacket`; undefined
   * when it surely fits (a cheap ceiling says so) or cannot be measured.
   */
  packetBytes?(connection: C, statement: S, maxAllowedPacket: number): number | undefined;
}
