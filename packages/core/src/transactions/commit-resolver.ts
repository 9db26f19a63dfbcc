import { classify } from '../classification/classify.js';
import { hasKindTrait } from '../classification/kind-traits.js';
import { isConnectionLost } from '../errors/connection-lost-error.js';
import { isDatabaseUnavailable } from '../errors/database-unavailable-error.js';
import { sleep } from '../retry/abortable.js';
import { type EventSink, emitSafely } from '../retry/event-sink.js';
import { provesSameServer, shouldKillMarkerSession } from './commit-marker-kill-decision.js';
import type { CommitMarkerSettings } from './commit-marker-options.js';
import {
  killSessionSql,
  LOCKED_ERRNOS,
  probeMarkerSql,
  SERVER_UPTIME_SQL,
  sessionCommandSql,
  UNKNOWN_THREAD_ERRNO,
} from './commit-marker-sql.js';
import { type MarkerConnection, markerErrno, type WrittenMarker } from './marker-connection.js';

export type CommitMarkerOutcome = 'committed' | 'rolled-back' | 'unknown';

export interface ResolveCommitOptions {
  /** Give up (outcome `unknown`) after this long; the server may be restarting meanwhile. */
  readonly timeoutMs: number;
  /** Stops resolving (outcome `unknown`). */
  readonly signal?: AbortSignal | undefined;
}

/** What the resolver has done so far, for the marker's stats. */
export interface CommitResolverCounts {
  readonly resolvedCommitted: number;
  readonly resolvedRolledBack: number;
  readonly unresolved: number;
  readonly kills: number;
}

const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

type ProbeResult = 'present' | 'absent' | 'locked';

/**
 * Finds out how a transaction whose COMMIT was lost ended, on connections other than the lost one:
 * waits until the transaction that wrote the marker has ended (KILLing its session when it sits idle
 * with its COMMIT still in the network), then reads the marker: present, committed; absent, rolled back.
 */
export class CommitResolver {
  readonly #settings: CommitMarkerSettings;
  readonly #outside: MarkerConnection;
  readonly #events: EventSink | undefined;
  #resolvedCommitted = 0;
  #resolvedRolledBack = 0;
  #unresolved = 0;
  #kills = 0;

  constructor(settings: CommitMarkerSettings, outside: MarkerConnection, events?: EventSink) {
    this.#settings = settings;
    this.#outside = outside;
    this.#events = events;
  }

  counts(): CommitResolverCounts {
    return {
      resolvedCommitted: this.#resolvedCommitted,
      resolvedRolledBack: this.#resolvedRolledBack,
      unresolved: this.#unresolved,
      kills: this.#kills,
    };
  }

  /**
   * After a lost COMMIT: waits until the transaction that wrote `marker` has ended, KILLing its
   * session if it sits idle with its COMMIT still in the network (and only if the server has not
   * restarted since, so the id still names it), then reads the marker: present, committed; absent,
   * rolled back. Statement failures that an outage explains are retried until `timeoutMs`; then, or
   * on abort, or on any other failure, the outcome is `unknown`.
   */
  async resolve(marker: WrittenMarker, options: ResolveCommitOptions): Promise<CommitMarkerOutcome> {
    const { signal } = options;
    const started = performance.now();
    const deadline = started + options.timeoutMs;
    let lockedSince: number | undefined;
    let lastKillAt = Number.NEGATIVE_INFINITY;
    let delay = FIRST_POLL_MS;
    while (!signal?.aborted) {
      try {
        const probe = await this.#probe(marker.id);
        if (probe === 'present') return this.#resolved('committed', started);
        // The pool now goes to another server than the one the transaction ran on (a cluster's
        // writer changed): an absent marker proves nothing there (the old writer may still get the
        // COMMIT and commit, then replicate it), and the session id names nobody there: no KILL.
        // Present, it committed (above); locked, a replica is applying it: ask again.
        const elsewhere = this.#elsewhere(marker);
        if (probe === 'absent') {
          if (elsewhere) break;
          return this.#resolved('rolled-back', started);
        }
        if (!elsewhere) {
          lockedSince ??= performance.now();
          const command = await this.#sessionCommand(marker.connectionId);
          const observed = performance.now();
          if (
            shouldKillMarkerSession({
              command,
              lockedForMs: observed - lockedSince,
              sinceKillMs: observed - lastKillAt,
            }) &&
            (await this.#sameServerSince(marker))
          ) {
            lastKillAt = performance.now();
            await this.#kill(marker.connectionId);
          }
        }
      } catch (error) {
        if (!isTransient(error)) break;
      }
      const left = deadline - performance.now();
      if (left <= 0) break;
      try {
        await sleep(Math.min(delay, left), [signal]);
      } catch {
        break;
      }
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
    this.#unresolved++;
    return 'unknown';
  }

  async #probe(id: string): Promise<ProbeResult> {
    try {
      const { rows } = await this.#outside.query(probeMarkerSql(this.#settings.quotedTable, id));
      return rows !== undefined && rows.length > 0 ? 'present' : 'absent';
    } catch (error) {
      const errno = markerErrno(error);
      if (errno !== undefined && LOCKED_ERRNOS.has(errno)) return 'locked';
      throw error;
    }
  }

  /** undefined: not listed (gone); null: the list could not be read (then only a long lock leads to a KILL). */
  async #sessionCommand(connectionId: number): Promise<string | null | undefined> {
    try {
      const { rows } = await this.#outside.query(sessionCommandSql(connectionId));
      const command = rows?.[0]?.command;
      return rows === undefined || rows.length === 0
        ? undefined
        : typeof command === 'string'
          ? command
          : null;
    } catch (error) {
      if (isTransient(error)) throw error;
      return null;
    }
  }

  /** Whether the pool's statements now go to another server than the marker's transaction ran on. */
  #elsewhere(marker: WrittenMarker): boolean {
    return marker.server !== undefined && this.#outside.server?.() !== marker.server;
  }

  /** Checked right before each KILL: the server may restart during a resolution. */
  async #sameServerSince(marker: WrittenMarker): Promise<boolean> {
    let uptime: unknown;
    try {
      const { rows } = await this.#outside.query(SERVER_UPTIME_SQL);
      uptime = rows?.[0]?.Value ?? rows?.[0]?.value;
    } catch (error) {
      if (isTransient(error)) throw error;
      return false;
    }
    const sinceWriteMs = performance.now() - marker.writtenAt + marker.writeMs;
    return provesSameServer(Number(uptime), sinceWriteMs);
  }

  async #kill(connectionId: number): Promise<void> {
    try {
      await this.#outside.query(killSessionSql(connectionId));
      this.#kills++;
    } catch (error) {
      // Already gone. Any other refusal (another user's session: 1095) leaves the wait to the lock probe.
      if (markerErrno(error) === UNKNOWN_THREAD_ERRNO) return;
      if (isTransient(error)) throw error;
    }
  }

  #resolved(outcome: 'committed' | 'rolled-back', started: number): CommitMarkerOutcome {
    if (outcome === 'committed') this.#resolvedCommitted++;
    else this.#resolvedRolledBack++;
    emitSafely(this.#events, {
      type: 'commit-resolved',
      outcome,
      elapsedMs: Math.round(performance.now() - started),
    });
    return outcome;
  }
}

function isTransient(error: unknown): boolean {
  return (
    isDatabaseUnavailable(error) || isConnectionLost(error) || hasKindTrait(classify(error).kind, 'transient')
  );
}
