import type { CommitMarkerSettings } from './commit-marker-options.js';
import { deleteMarkersSql, pruneMarkersSql } from './commit-marker-sql.js';
import { type MarkerConnection, positiveInteger, type WrittenMarker } from './marker-connection.js';

/** What the janitor has done so far, for the marker's stats. */
export interface MarkerJanitorCounts {
  readonly deleted: number;
  readonly deleteErrors: number;
  readonly pruned: number;
  readonly pruneErrors: number;
  readonly pendingDeletes: number;
}

/** Background deletes wait this long so that the markers of concurrent transactions go in one DELETE. */
export const DELETE_DELAY_MS = 200;
export const MAX_DELETE_BATCH = 500;

/**
 * Keeps the marker table small, off the caller's path: deletes the markers of confirmed commits in
 * batches, and now and then prunes markers older than `pruneAfterMs` (those of a process that exited
 * before deleting its own). A failed cleanup is counted, never thrown.
 */
export class MarkerJanitor {
  readonly #settings: CommitMarkerSettings;
  readonly #outside: MarkerConnection;
  #pending: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #tail: Promise<void> = Promise.resolve();
  #lastPruneAt = Number.NEGATIVE_INFINITY;
  #deleted = 0;
  #deleteErrors = 0;
  #pruned = 0;
  #pruneErrors = 0;

  constructor(settings: CommitMarkerSettings, outside: MarkerConnection) {
    this.#settings = settings;
    this.#outside = outside;
  }

  counts(): MarkerJanitorCounts {
    return {
      deleted: this.#deleted,
      deleteErrors: this.#deleteErrors,
      pruned: this.#pruned,
      pruneErrors: this.#pruneErrors,
      pendingDeletes: this.#pending.length,
    };
  }

  /** The transaction committed for sure: its marker is deleted in the background, in a batch. */
  confirm(marker: WrittenMarker): void {
    this.#pending.push(marker.id);
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#drain();
    }, DELETE_DELAY_MS);
    // Markers left behind by an exiting process are pruned later: never keep the process alive for them.
    this.#timer.unref?.();
  }

  /** Runs the pending background deletes (and a due prune) now; resolves when they are done. Never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#drain();
  }

  #drain(): Promise<void> {
    this.#tail = this.#tail.then(() => this.#deletePending());
    return this.#tail;
  }

  async #deletePending(): Promise<void> {
    const { quotedTable, pruneAfterMs, pruneIntervalMs } = this.#settings;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_DELETE_BATCH);
      try {
        const result = await this.#outside.query(deleteMarkersSql(quotedTable, batch));
        this.#deleted += positiveInteger(result.affectedRows) ?? 0;
      } catch {
        // Left to the prune by age; a failed cleanup must never reach the caller.
        this.#deleteErrors++;
      }
    }
    const now = performance.now();
    if (pruneAfterMs === false || now - this.#lastPruneAt < pruneIntervalMs) return;
    this.#lastPruneAt = now;
    try {
      const result = await this.#outside.query(pruneMarkersSql(quotedTable, pruneAfterMs));
      this.#pruned += positiveInteger(result.affectedRows) ?? 0;
    } catch {
      this.#pruneErrors++;
    }
  }
}
