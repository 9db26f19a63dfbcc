import type { EventSink } from '../retry/event-sink.js';
import type { CommitMarkerSettings } from './commit-marker-options.js';
import { CommitMarkerTable } from './commit-marker-table.js';
import { type CommitMarkerOutcome, CommitResolver, type ResolveCommitOptions } from './commit-resolver.js';
import type { MarkerConnection, WrittenMarker } from './marker-connection.js';
import { MarkerJanitor } from './marker-janitor.js';
import { MarkerWriter } from './marker-writer.js';

/** Counters of one marker table, for metrics and tests. */
export interface CommitMarkerStats {
  readonly table: string;
  /** Markers inserted (one per transaction attempt that reached its end). */
  readonly written: number;
  /** Lost COMMITs found committed / rolled back / left unknown (timeout, abort, or an error that is not transient). */
  readonly resolvedCommitted: number;
  readonly resolvedRolledBack: number;
  readonly unresolved: number;
  /** KILLs issued to sessions whose COMMIT was lost. */
  readonly kills: number;
  /** Marker rows deleted after a confirmed commit, and DELETE statements that failed (swallowed). */
  readonly deleted: number;
  readonly deleteErrors: number;
  /** Marker rows deleted by the prune by age, and prunes that failed (swallowed). */
  readonly pruned: number;
  readonly pruneErrors: number;
  /** Confirmed markers waiting for the background DELETE. */
  readonly pendingDeletes: number;
}

export interface CommitMarkerInit {
  readonly settings: CommitMarkerSettings;
  /** Runs statements outside any transaction, never on the lost connection: a pool, which waits out outages itself. */
  readonly outside: MarkerConnection;
  /** Receives `commit-resolved` events (an instance's event hub). */
  readonly events?: EventSink | undefined;
}

/**
 * One marker table and everything done with it: the table checked once (CommitMarkerTable), a marker
 * written as each transaction's last statement (MarkerWriter), a lost COMMIT resolved from it
 * (CommitResolver), the markers of confirmed commits deleted in the background (MarkerJanitor).
 * Driver-agnostic: it runs SQL text on the MarkerConnection shapes an adapter gives it.
 */
export class CommitMarker {
  readonly settings: CommitMarkerSettings;
  readonly #table: CommitMarkerTable;
  readonly #writer: MarkerWriter;
  readonly #resolver: CommitResolver;
  readonly #janitor: MarkerJanitor;

  constructor(init: CommitMarkerInit) {
    const { settings, outside, events } = init;
    this.settings = settings;
    this.#table = new CommitMarkerTable(settings, outside);
    this.#writer = new MarkerWriter(settings, this.#table, outside.server);
    this.#resolver = new CommitResolver(settings, outside, events);
    this.#janitor = new MarkerJanitor(settings, outside);
  }

  /** Before a transaction: the table exists (created when missing, once). See CommitMarkerTable.ensure. */
  ensureTable(): Promise<void> {
    return this.#table.ensure();
  }

  /** The transaction's last statement, right before COMMIT. See MarkerWriter.write. */
  write(transaction: MarkerConnection): Promise<WrittenMarker> {
    return this.#writer.write(transaction);
  }

  /** After a lost COMMIT: committed, rolled back, or (past the timeout) unknown. See CommitResolver.resolve. */
  resolve(marker: WrittenMarker, options: ResolveCommitOptions): Promise<CommitMarkerOutcome> {
    return this.#resolver.resolve(marker, options);
  }

  /** The transaction committed for sure: its marker is deleted in the background, in a batch. */
  confirm(marker: WrittenMarker): void {
    this.#janitor.confirm(marker);
  }

  /** Runs the pending background deletes (and a due prune) now; resolves when they are done. Never rejects. */
  flush(): Promise<void> {
    return this.#janitor.flush();
  }

  stats(): CommitMarkerStats {
    return Object.freeze({
      table: this.settings.table,
      written: this.#writer.written,
      ...this.#resolver.counts(),
      ...this.#janitor.counts(),
    });
  }
}
