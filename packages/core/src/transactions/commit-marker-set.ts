import type { EventSink } from '../retry/event-sink.js';
import { CommitMarker, type CommitMarkerStats } from './commit-marker.js';
import { type CommitMarkerSettings, DEFAULT_COMMIT_MARKER_TABLE } from './commit-marker-options.js';
import type { MarkerConnection } from './marker-connection.js';

/** What every marker of one adapter instance shares. */
export interface CommitMarkerSetInit {
  /** Statements outside any transaction: the instance's pool, through goneaway's retries (it waits out a restart). */
  readonly outside: MarkerConnection;
  /** The instance's event hub, for `commit-resolved`. */
  readonly events?: EventSink | undefined;
}

/**
 * The commit markers of one adapter instance (a knex instance, a wrapped pool, a Prisma adapter): one
 * per table and prune age, so that a table is checked once and the deletes of concurrent
 * transactions go in one statement. What an adapter's `commitMarkerStats` and `flushCommitMarkers` read.
 */
export class CommitMarkerSet {
  readonly #init: CommitMarkerSetInit;
  readonly #markers = new Map<string, CommitMarker>();

  constructor(init: CommitMarkerSetInit) {
    this.#init = init;
  }

  /** The marker for these settings, made on first use. */
  markerFor(settings: CommitMarkerSettings): CommitMarker {
    const key = `${settings.quotedTable}\u0000${settings.pruneAfterMs}`;
    let marker = this.#markers.get(key);
    if (marker === undefined) {
      marker = new CommitMarker({ settings, outside: this.#init.outside, events: this.#init.events });
      this.#markers.set(key, marker);
    }
    return marker;
  }

  /** The counters of table `table` (default `goneaway_commit_markers`); undefined before its first use. */
  stats(table: string = DEFAULT_COMMIT_MARKER_TABLE): CommitMarkerStats | undefined {
    for (const marker of this.#markers.values()) {
      if (marker.settings.table === table) return marker.stats();
    }
    return undefined;
  }

  /** Runs every marker's pending background deletes now. Never rejects. */
  async flush(): Promise<void> {
    await Promise.all([...this.#markers.values()].map((marker) => marker.flush()));
  }
}
