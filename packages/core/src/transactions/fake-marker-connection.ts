import type { MarkerConnection, MarkerQueryResult } from './marker-connection.js';

/** Answers one statement: a result, or a thrown error. */
export type FakeAnswer = (sql: string) => MarkerQueryResult | Promise<MarkerQueryResult>;

/**
 * A MarkerConnection for unit tests: records every statement and answers through `answer`. Not part
 * of the package's exports.
 */
export class FakeMarkerConnection implements MarkerConnection {
  readonly statements: string[] = [];
  connectionId: number | undefined;
  /** Set to play a pool routed to a cluster's writer (`MarkerConnection.server`). */
  server: (() => string | undefined) | undefined;
  #answer: FakeAnswer;

  constructor(answer: FakeAnswer = () => ({ rows: [] })) {
    this.#answer = answer;
  }

  answerWith(answer: FakeAnswer): void {
    this.#answer = answer;
  }

  async query(sql: string): Promise<MarkerQueryResult> {
    this.statements.push(sql);
    return this.#answer(sql);
  }
}

/** A server error as mysql2 and mariadb report one: errno, SQLSTATE, a string code. */
export function serverError(errno: number, code = 'ER_FAKE'): Error {
  return Object.assign(new Error(`${code}: server error ${errno}`), { errno, code, sqlState: 'HY000' });
}

/** A refused connect, as a pool reports one while the server restarts. */
export function connectRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    fatal: true,
  });
}
