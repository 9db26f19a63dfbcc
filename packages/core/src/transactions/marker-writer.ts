import type { CommitMarkerSettings } from './commit-marker-options.js';
import { CONNECTION_ID_SQL, insertMarkerSql, newMarkerId } from './commit-marker-sql.js';
import { type CommitMarkerTable, NO_SUCH_TABLE_ERRNO } from './commit-marker-table.js';
import {
  type MarkerConnection,
  type MarkerQueryResult,
  markerErrno,
  positiveInteger,
  type WrittenMarker,
} from './marker-connection.js';
import { markerPrivilegeError } from './marker-privilege-error.js';

/** Writes a transaction's marker row, its last statement before COMMIT. */
export class MarkerWriter {
  readonly #settings: CommitMarkerSettings;
  readonly #table: CommitMarkerTable;
  /** Where the pool's statements go (a cluster's writer): the marker's transaction runs there too. */
  readonly #server: (() => string | undefined) | undefined;
  #written = 0;

  constructor(
    settings: CommitMarkerSettings,
    table: CommitMarkerTable,
    server?: (() => string | undefined) | undefined,
  ) {
    this.#settings = settings;
    this.#table = table;
    this.#server = server;
  }

  /** Markers inserted (one per transaction attempt that reached its end). */
  get written(): number {
    return this.#written;
  }

  /**
   * Inserts a fresh marker through the transaction's connection: call it as the transaction's last
   * statement, right before COMMIT. One round trip (two if the driver reports no insert id and does
   * not know its session id).
   */
  async write(transaction: MarkerConnection): Promise<WrittenMarker> {
    const id = newMarkerId();
    const { quotedTable, table } = this.#settings;
    let result: MarkerQueryResult;
    const sentAt = performance.now();
    try {
      result = await transaction.query(insertMarkerSql(quotedTable, id));
    } catch (error) {
      // Dropped since it was created: the next transaction creates it again.
      if (markerErrno(error) === NO_SUCH_TABLE_ERRNO) this.#table.forget();
      throw markerPrivilegeError(error, 'INSERT', table);
    }
    const writtenAt = performance.now();
    this.#written++;
    const connectionId =
      positiveInteger(result.insertId) ??
      positiveInteger(transaction.connectionId) ??
      positiveInteger((await transaction.query(CONNECTION_ID_SQL)).rows?.[0]?.connection_id);
    if (connectionId === undefined) {
      throw new TypeError('commit marker: the driver reported no CONNECTION_ID() for the transaction');
    }
    // A connection to an old writer is refused before its next statement, so the insert that just
    // succeeded ran on the writer the pool follows now.
    const server = this.#server?.();
    return Object.freeze({
      id,
      connectionId,
      writtenAt,
      writeMs: writtenAt - sentAt,
      ...(server === undefined ? {} : { server }),
    });
  }
}
