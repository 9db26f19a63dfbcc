/** What a statement on a held (transaction) connection answered: its OK packet's insert id, and the session. */
export interface HeldReply {
  readonly insertId: unknown;
  readonly threadId: number | null;
}

/** A wait for the reply to one statement text. */
export interface AwaitedReply {
  /** The reply, once the statement succeeded on a held connection; undefined before. */
  take(): HeldReply | undefined;
  /** Stops waiting (always call it: the text is forgotten). */
  cancel(): void;
}

/**
 * Replies to statements that Prisma runs on a transaction's connection, for a caller waiting on
 * one exact statement text. Prisma's `$executeRawUnsafe` answers with a row count only: the commit
 * marker insert reads its insert id (the session's CONNECTION_ID(), by `LAST_INSERT_ID(expr)`) and the
 * connection's thread id here, in the same round trip. The text is unique (the marker's random id).
 */
export class AwaitedReplies {
  readonly #waiting = new Map<string, HeldReply | null>();

  /** Whether anyone waits: the only cost on the hot path. */
  get size(): number {
    return this.#waiting.size;
  }

  expect(sql: string): AwaitedReply {
    this.#waiting.set(sql, null);
    return {
      take: () => this.#waiting.get(sql) ?? undefined,
      cancel: () => {
        this.#waiting.delete(sql);
      },
    };
  }

  /** A held connection's statement `sql` succeeded with `result` on session `threadId`. */
  deliver(sql: string, result: unknown, threadId: number | null): void {
    if (!this.#waiting.has(sql)) return;
    const insertId =
      typeof result === 'object' && result !== null ? (result as { insertId?: unknown }).insertId : undefined;
    this.#waiting.set(sql, { insertId, threadId });
  }
}
