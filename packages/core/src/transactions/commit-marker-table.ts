import type { CommitMarkerSettings } from './commit-marker-options.js';
import { createMarkerTableSql, probeMarkerTableSql } from './commit-marker-sql.js';
import { type MarkerConnection, markerErrno } from './marker-connection.js';
import { markerPrivilegeError } from './marker-privilege-error.js';

export const NO_SUCH_TABLE_ERRNO = 1146;

/**
 * The marker table's existence: checked (and created when missing) once, before the first
 * transaction, outside any transaction (CREATE TABLE would commit the transaction it ran in).
 */
export class CommitMarkerTable {
  readonly #settings: CommitMarkerSettings;
  readonly #outside: MarkerConnection;
  #ready: Promise<void> | undefined;

  constructor(settings: CommitMarkerSettings, outside: MarkerConnection) {
    this.#settings = settings;
    this.#outside = outside;
  }

  /**
   * Makes sure the table exists, once (again after a failure). A pre-created table needs no CREATE:
   * the probe finds it. Missing privileges become a GoneAwayConfigError naming them.
   */
  ensure(): Promise<void> {
    this.#ready ??= this.#createIfMissing().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** The table was found missing after all (dropped since): the next ensure() checks again. */
  forget(): void {
    this.#ready = undefined;
  }

  async #createIfMissing(): Promise<void> {
    const { quotedTable, table } = this.#settings;
    try {
      await this.#outside.query(probeMarkerTableSql(quotedTable));
      return;
    } catch (error) {
      if (markerErrno(error) !== NO_SUCH_TABLE_ERRNO) throw markerPrivilegeError(error, 'SELECT', table);
    }
    try {
      await this.#outside.query(createMarkerTableSql(quotedTable));
    } catch (error) {
      throw markerPrivilegeError(error, 'CREATE', table);
    }
  }
}
