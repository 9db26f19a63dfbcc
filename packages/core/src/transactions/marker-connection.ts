import { classify } from '../classification/classify.js';
import { driverNumber } from '../limits/driver-number.js';

/** What a driver's query resolves to, reduced to the fields the marker reads. */
export interface MarkerQueryResult {
  /** The rows of a SELECT. */
  readonly rows?: ReadonlyArray<Record<string, unknown>>;
  /** The OK packet's insert id (mysql2 `insertId`, a driver adapter's `lastInsertId`). */
  readonly insertId?: number | bigint | string | undefined;
  readonly affectedRows?: number | bigint | string | undefined;
}

/**
 * The shape the marker runs its statements on: a transaction's connection, or a pool outside it.
 * Adapters translate their library's calls to it; the marker never sees a driver.
 */
export interface MarkerConnection {
  query(sql: string): Promise<MarkerQueryResult>;
  /**
   * The session id, if the driver knows it without a round trip. Read only when the driver reports
   * no insert id for the marker insert; without either, one `SELECT CONNECTION_ID()` is added.
   */
  readonly connectionId?: number | undefined;
  /**
   * Which server statements go to now, when the adapter routes to a cluster's writer (`host:port`
   * of the writer the pool follows; `'none'` while there is none); absent without a cluster. A marker
   * remembers the server its transaction ran on, and a lost COMMIT is decided only there: on another
   * server an absent marker proves nothing (the old writer may still commit) and the session id
   * names nobody.
   */
  readonly server?: (() => string | undefined) | undefined;
}

/** A marker written inside a transaction: its id and the session that wrote it. */
export interface WrittenMarker {
  /** 32 hex digits. */
  readonly id: string;
  /** `CONNECTION_ID()` of the transaction's session. */
  readonly connectionId: number;
  /** `performance.now()` when the insert succeeded, and how long its round trip took (ms). */
  readonly writtenAt: number;
  readonly writeMs: number;
  /** The server the transaction ran on (`MarkerConnection.server` when it was written); absent without a cluster. */
  readonly server?: string | undefined;
}

/** The server error number behind a marker statement's failure, through any wrapper classify reads. */
export function markerErrno(error: unknown): number | undefined {
  return classify(error).errno;
}

/** A count or id a driver returned (number, string or bigint) when it is a positive safe integer. */
export function positiveInteger(value: unknown): number | undefined {
  const number = driverNumber(value);
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}
