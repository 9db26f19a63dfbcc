import type { WorkloadReport } from '@goneaway/test-harness';
import type { ClusterEvent } from './cluster-sides.js';

/** What one client went through in one cluster scenario. null: not measured for this side or scenario. */
export interface SideMetrics {
  /** Statements that succeeded (reads + acknowledged inserts). */
  readonly ok: number;
  /** Failures that reached the application with a GONEAWAY_* code, and with any other (a raw driver error). */
  readonly typedErrors: number;
  readonly rawErrors: number;
  /** The most frequent raw code, e.g. ER_UNKNOWN_COM_ERROR (1047). */
  readonly topRawCode: string | null;
  /** Longest time without a successful read, any worker, from the fault to the end of the run. */
  readonly readGapMs: number;
  /** The longest gap lasted until the end of the run: the side had not read again when it stopped. */
  readonly readGapOpen: boolean;
  /** From the moment a writer accepts writes again to this side's first acknowledged insert (null: none before the run stopped). */
  readonly firstWriteMs: number | null;
  /** Writes refused by a read-only or non-primary node (1290, 1792, 1836, 1047) that reached the application. */
  readonly refusedWrites: number;
  /** Rejoin: statements the rejoining node answered or refused (1047) before it was Synced. */
  readonly beforeSynced: number | null;
  /** Rejoin: reads the node answered once Synced (0: the client never sent it traffic again). */
  readonly afterSynced: number | null;
  /** Ledger check: acknowledged inserts missing, stored twice, and failed inserts that were in fact stored. */
  readonly lost: number;
  readonly duplicated: number;
  readonly committedThoughFailed: number;
  /** Workers still inside a statement when the run stopped (the hang cap). */
  readonly hungWorkers: number;
  /** Lines the client printed by itself (knex's "Acquire connection error"…). */
  readonly noiseLines: number;
  /** Exceptions thrown from the client's own callbacks, nobody can catch: each would end the process. */
  readonly uncaught: number;
  /** goneaway only: from the fault (rejoin: from Synced) to its first event about the failing host. */
  readonly detectionMs: number | null;
}

/** Server refusals that mean "not the writer": read-only (1290, 1792, 1836) and not ready / non-primary (1047). */
const READ_ONLY_CODES = new Set([
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
  'ER_READ_ONLY_MODE',
  '1290',
  '1792',
  '1836',
]);
const NOT_READY_CODES = new Set(['ER_UNKNOWN_COM_ERROR', '1047']);

export function isTypedCode(code: string): boolean {
  return code.startsWith('GONEAWAY_');
}

export interface MeasureInput {
  readonly report: Pick<
    WorkloadReport,
    'reads' | 'inserts' | 'readLog' | 'insertAckedAt' | 'failureLog' | 'issuedIds' | 'hungWorkers'
  >;
  /** goneaway's events; undefined for a bare side. */
  readonly events: readonly ClusterEvent[] | undefined;
  readonly faultAt: number;
  readonly stopAt: number;
  readonly marks: { readonly writableAt?: number; readonly syncedAt?: number };
  /** The failing node as it appears in the host list (`host:port`, the proxy's when proxied). */
  readonly failingKey: string;
  /** The failing node's own SQL port (what `SELECT @@port` answers). */
  readonly failingPort: number;
  /** The first insert id of the workload. */
  readonly idBase: number;
  /** Rows in the ledger per id, for this side. */
  readonly ledger: ReadonlyMap<number, number>;
  readonly noiseLines?: number;
  /** Uncaught exceptions this side's client threw during the run. */
  readonly uncaught?: number;
}

/** The metrics of one side, from its workload report, its events and the ledger: a pure function. */
export function measureSide(input: MeasureInput): SideMetrics {
  const { report, faultAt, stopAt, marks } = input;
  const failures = report.failureLog;
  const rawCounts = new Map<string, number>();
  let typedErrors = 0;
  for (const failure of failures) {
    if (isTypedCode(failure.code)) typedErrors++;
    else rawCounts.set(failure.code, (rawCounts.get(failure.code) ?? 0) + 1);
  }
  const topRawCode = [...rawCounts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;

  const { gapMs, open } = longestReadGap(
    report.readLog.map((read) => read.at),
    faultAt,
    stopAt,
  );

  const writableAt = marks.writableAt ?? faultAt;
  const firstWrite = report.insertAckedAt
    .filter((at) => at >= writableAt && at <= stopAt)
    .sort((a, b) => a - b)[0];

  const refusedWrites = failures.filter(
    (failure) =>
      failure.operation !== 'read' &&
      failure.endedAt >= faultAt &&
      (READ_ONLY_CODES.has(failure.code) || NOT_READY_CODES.has(failure.code)),
  ).length;

  let beforeSynced: number | null = null;
  let afterSynced: number | null = null;
  if (marks.syncedAt !== undefined) {
    const syncedAt = marks.syncedAt;
    beforeSynced =
      report.readLog.filter(
        (read) => read.port === input.failingPort && read.at >= faultAt && read.at < syncedAt,
      ).length +
      failures.filter(
        (failure) =>
          NOT_READY_CODES.has(failure.code) && failure.endedAt >= faultAt && failure.endedAt < syncedAt,
      ).length;
    afterSynced = report.readLog.filter(
      (read) => read.port === input.failingPort && read.at >= syncedAt && read.at <= stopAt,
    ).length;
  }

  const acknowledged = new Set(report.inserts);
  let lost = 0;
  let duplicated = 0;
  let committedThoughFailed = 0;
  for (let id = input.idBase; id < input.idBase + report.issuedIds; id++) {
    const rows = input.ledger.get(id) ?? 0;
    if (acknowledged.has(id)) {
      if (rows === 0) lost++;
      if (rows > 1) duplicated++;
    } else if (rows > 0) {
      committedThoughFailed++;
      if (rows > 1) duplicated++;
    }
  }

  return {
    ok: report.reads + report.inserts.length,
    typedErrors,
    rawErrors: failures.length - typedErrors,
    topRawCode,
    readGapMs: Math.round(gapMs),
    readGapOpen: open,
    firstWriteMs: firstWrite === undefined ? null : Math.round(firstWrite - writableAt),
    refusedWrites,
    beforeSynced,
    afterSynced,
    lost,
    duplicated,
    committedThoughFailed,
    hungWorkers: report.hungWorkers,
    noiseLines: input.noiseLines ?? 0,
    uncaught: input.uncaught ?? 0,
    detectionMs: input.events === undefined ? null : detection(input),
  };
}

/**
 * The longest stretch in [from, to] without one of `times`; `open` when that stretch runs to `to` and
 * lasts a second or more (the side had stopped reading when the run ended: the real gap is longer).
 */
export function longestReadGap(
  times: readonly number[],
  from: number,
  to: number,
): { gapMs: number; open: boolean } {
  const inside = times.filter((at) => at >= from && at <= to).sort((a, b) => a - b);
  let previous = from;
  let gapMs = 0;
  for (const at of inside) {
    gapMs = Math.max(gapMs, at - previous);
    previous = at;
  }
  const tail = to - previous;
  return tail >= gapMs ? { gapMs: tail, open: tail >= 1_000 } : { gapMs, open: false };
}

function detection(input: MeasureInput): number | null {
  const events = input.events ?? [];
  const { syncedAt } = input.marks;
  if (syncedAt !== undefined) {
    // A rejoin: how long after Synced the node was back in goneaway's rotation.
    const back = events.find(
      (event) =>
        event.type === 'host-state-changed' &&
        event.host === input.failingKey &&
        event.to === 'up' &&
        event.at >= input.faultAt,
    );
    return back === undefined ? null : Math.round(back.at - syncedAt);
  }
  const seen = events.find(
    (event) =>
      event.at >= input.faultAt &&
      ((event.type === 'host-state-changed' && event.host === input.failingKey && event.to !== 'up') ||
        (event.type === 'writer-changed' && event.from === input.failingKey)),
  );
  return seen === undefined ? null : Math.round(seen.at - input.faultAt);
}
