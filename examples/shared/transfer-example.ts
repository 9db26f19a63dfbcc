// What the Drizzle and Kysely examples share: the same transfer program on a wrapMysql2 pool, written
// with each library's own API, with the same hooks for the faults and the same report.

export interface TransferExampleOptions {
  /** A bare mysql2 pool instead of the wrapped one (the control in the test). */
  readonly bare?: boolean;
  /** Runs while the pool's connections sit idle after the first reads (where the test KILLs them). */
  readonly whileIdle?: () => Promise<void>;
  /**
   * Runs inside the transfer, between its debit and its credit, with the session id of the
   * transaction's connection and the attempt (where the test KILLs that session).
   */
  readonly insideTransaction?: (sessionId: number, attempt: number) => Promise<void>;
}

export interface TransferExampleReport {
  readonly balances: ReadonlyArray<{ readonly id: number; readonly owner: string; readonly balance: number }>;
  /** Runs of the transfer: 1, or 2 after a lost transaction. */
  readonly transferAttempts: number;
  /** The code of each run that was lost (GONEAWAY_TRANSACTION_LOST). */
  readonly lostCodes: readonly string[];
  /** connection_id() at the start and the end of the transfer that committed: one session throughout. */
  readonly transferSessions: readonly number[];
  /** Connections the pool handed out during that transfer, and whether it got the same object back. */
  readonly transferAcquires: number;
  readonly releasedSameConnection: boolean;
}
