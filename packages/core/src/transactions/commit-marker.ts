import type { ErrorKind } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { isConnectionLost } from '../errors/connection-lost-error.js';
import { isDatabaseUnavailable } from '../errors/database-unavailable-error.js';
import { GoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { driverNumber } from '../limits/driver-number.js';
import { sleep } from '../retry/abortable.js';
import { type EventSink, emitSafely } from '../retry/event-sink.js';
import { provesSameServer, shouldKillMarkerSession } from './commit-marker-kill-decision.js';
import type { CommitMarkerSettings } from './commit-marker-options.js';
import {
  CONNECTION_ID_SQL,
  createMarkerTableSql,
  deleteMarkersSql,
  insertMarkerSql,
  killSessionSql,
  LOCKED_ERRNOS,
  newMarkerId,
  probeMarkerSql,
  probeMarkerTableSql,
  pruneMarkersSql,
  SERVER_UPTIME_SQL,
  sessionCommandSql,
  UNKNOWN_THREAD_ERRNO,
} from './commit-marker-sql.js';

/** What a driver's query resolves to, reduced to the fields the marker reads. */
export interface MarkerQueryResult {
  /** The rows of a SELECT. */
  readonly rows?: ReadonlyArray<Record<string, unknown>>;
  /** The OK packet's insert id (mysql2 `insertId`, a driver adapter's `lastInsertId`). */
  readonly insertId?: number | bigint | string;
  readonly affectedRows?: number | bigint | string;
}

/** The shape the marker runs its statements on: a transaction's connection, or a pool outside it. */
export interface MarkerConnection {
  query(sql: string): Promise<MarkerQueryResult>;
  /**
   * The session id, if the driver knows it without a round trip. Read only when the driver reports
   * no insert id for the marker insert; without either, one `SELECT CONNECTION_ID()` is added.
   */
  readonly connectionId?: number;
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
}

export type CommitMarkerOutcome = 'committed' | 'rolled-back' | 'unknown';

export interface ResolveCommitOptions {
  /** Give up (outcome `unknown`) after this long; the server may be restarting meanwhile. */
  readonly timeoutMs: number;
  /** Stops resolving (outcome `unknown`). */
  readonly signal?: AbortSignal | undefined;
}

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

const NO_SUCH_TABLE_ERRNO = 1146;
// Table, database and column access denied: the user lacks a privilege on the marker table.
const ACCESS_DENIED_ERRNOS: ReadonlySet<number> = new Set([1142, 1044, 1143]);
// A resolution step that failed for one of these is tried again (within the timeout): the server is
// restarting, the pool is reconnecting, or the step met a lock.
const TRANSIENT_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'connection-lost',
  'connect-failed',
  'server-shutdown',
  'idle-timeout',
  'killed',
  'too-many-connections',
  'cluster-not-ready',
  'interrupted',
  'statement-timeout',
  'deadlock',
  'lock-wait-timeout',
]);
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;
/** Background deletes wait this long so that the markers of concurrent transactions go in one DELETE. */
const DELETE_DELAY_MS = 200;
const MAX_DELETE_BATCH = 500;

type ProbeResult = 'present' | 'absent' | 'locked';

/**
 * One marker table: creates it on demand, writes a marker as a transaction's last statement, finds
 * out whether a transaction whose COMMIT was lost committed (its marker is there) or not, and deletes
 * markers in the background once their commit is confirmed. Driver-agnostic: it runs SQL text on the
 * MarkerConnection shapes an adapter gives it.
 */
export class CommitMarker {
  readonly settings: CommitMarkerSettings;
  readonly #outside: MarkerConnection;
  readonly #events: EventSink | undefined;
  #ready: Promise<void> | undefined;
  #pending: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #tail: Promise<void> = Promise.resolve();
  #lastPruneAt = Number.NEGATIVE_INFINITY;
  #written = 0;
  #resolvedCommitted = 0;
  #resolvedRolledBack = 0;
  #unresolved = 0;
  #kills = 0;
  #deleted = 0;
  #deleteErrors = 0;
  #pruned = 0;
  #pruneErrors = 0;

  constructor(init: CommitMarkerInit) {
    this.settings = init.settings;
    this.#outside = init.outside;
    this.#events = init.events;
  }

  /**
   * Makes sure the table exists, once (again after a failure). A pre-created table needs no CREATE:
   * the probe finds it. Missing privileges become a GoneAwayConfigError naming them.
   */
  ensureTable(): Promise<void> {
    this.#ready ??= this.#createIfMissing().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /**
   * Inserts a fresh marker through the transaction's connection: call it as the transaction's last
   * statement, right before COMMIT. One round trip (two if the driver reports no insert id and does
   * not know its session id).
   */
  async write(transaction: MarkerConnection): Promise<WrittenMarker> {
    const id = newMarkerId();
    const { quotedTable } = this.settings;
    let result: MarkerQueryResult;
    const sentAt = performance.now();
    try {
      result = await transaction.query(insertMarkerSql(quotedTable, id));
    } catch (error) {
      // Dropped since it was created: the next transaction creates it again.
      if (errnoOf(error) === NO_SUCH_TABLE_ERRNO) this.#ready = undefined;
      throw this.#privilegeError(error, 'INSERT');
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
    return Object.freeze({ id, connectionId, writtenAt, writeMs: writtenAt - sentAt });
  }

  /**
   * After a lost COMMIT: waits until the transaction that wrote `marker` has ended, KILLing its
   * session if it sits idle with its COMMIT still in the network (and only if the server has not
   * restarted since, so the id still names it), then reads the marker: present, committed; absent,
   * rolled back. Statement failures that an outage explains are retried until
   * `timeoutMs`; then, or on abort, or on any other failure, the outcome is `unknown`.
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
        if (probe !== 'locked')
          return this.#resolved(probe === 'present' ? 'committed' : 'rolled-back', started);
        const now = performance.now();
        lockedSince ??= now;
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

  stats(): CommitMarkerStats {
    return Object.freeze({
      table: this.settings.table,
      written: this.#written,
      resolvedCommitted: this.#resolvedCommitted,
      resolvedRolledBack: this.#resolvedRolledBack,
      unresolved: this.#unresolved,
      kills: this.#kills,
      deleted: this.#deleted,
      deleteErrors: this.#deleteErrors,
      pruned: this.#pruned,
      pruneErrors: this.#pruneErrors,
      pendingDeletes: this.#pending.length,
    });
  }

  async #createIfMissing(): Promise<void> {
    const { quotedTable } = this.settings;
    try {
      await this.#outside.query(probeMarkerTableSql(quotedTable));
      return;
    } catch (error) {
      if (errnoOf(error) !== NO_SUCH_TABLE_ERRNO) throw this.#privilegeError(error, 'SELECT');
    }
    try {
      await this.#outside.query(createMarkerTableSql(quotedTable));
    } catch (error) {
      throw this.#privilegeError(error, 'CREATE');
    }
  }

  async #probe(id: string): Promise<ProbeResult> {
    try {
      const { rows } = await this.#outside.query(probeMarkerSql(this.settings.quotedTable, id));
      return rows !== undefined && rows.length > 0 ? 'present' : 'absent';
    } catch (error) {
      const errno = errnoOf(error);
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
      if (errnoOf(error) === UNKNOWN_THREAD_ERRNO) return;
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

  #drain(): Promise<void> {
    this.#tail = this.#tail.then(() => this.#deletePending());
    return this.#tail;
  }

  async #deletePending(): Promise<void> {
    const { quotedTable, pruneAfterMs, pruneIntervalMs } = this.settings;
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

  #privilegeError(error: unknown, privilege: 'CREATE' | 'SELECT' | 'INSERT'): unknown {
    const errno = errnoOf(error);
    if (errno === undefined || !ACCESS_DENIED_ERRNOS.has(errno)) return error;
    const { table } = this.settings;
    const expected =
      privilege === 'CREATE'
        ? `a marker table this database user may create: it lacks the CREATE privilege (GRANT CREATE on its database), or create \`${table}\` beforehand (the DDL is in the README) and grant SELECT, INSERT, DELETE on it`
        : `a marker table this database user may use: it lacks the ${privilege} privilege (GRANT SELECT, INSERT, DELETE ON \`${table}\`)`;
    const received =
      privilege === 'CREATE'
        ? `no such table, CREATE denied (error ${errno})`
        : `${privilege} denied (error ${errno})`;
    return new GoneAwayConfigError({
      issues: [{ path: 'commitMarker.table', expected, received }],
      cause: error,
    });
  }
}

function errnoOf(error: unknown): number | undefined {
  return classify(error).errno;
}

function isTransient(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isConnectionLost(error) || TRANSIENT_KINDS.has(classify(error).kind);
}

function positiveInteger(value: unknown): number | undefined {
  const number = driverNumber(value);
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}
