import type { SideMetrics } from './measure-side.js';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** null stays null only when every run had null; otherwise the worst of a nullable "lower is better" value is null when `nullIsWorst`. */
function nullable(
  values: readonly (number | null)[],
  nullIsWorst: boolean,
): { median: number | null; worst: number | null } {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return { median: null, worst: null };
  const missing = present.length < values.length;
  return {
    median: Math.round(median(present)),
    worst: missing && nullIsWorst ? null : Math.max(...present),
  };
}

/**
 * Several repetitions of one side in one scenario: the median of each number and the worst one (the
 * highest, for `ok` the lowest; a detection or first write that never came is worst). Goals are
 * judged on the worst.
 */
export function aggregateMetrics(runs: readonly SideMetrics[]): { median: SideMetrics; worst: SideMetrics } {
  if (runs.length === 0) throw new Error('aggregateMetrics needs at least one run');
  const numbers = (pick: (m: SideMetrics) => number) => runs.map(pick);
  const mid = (pick: (m: SideMetrics) => number) => Math.round(median(numbers(pick)));
  const max = (pick: (m: SideMetrics) => number) => Math.max(...numbers(pick));
  const codes = new Map<string, number>();
  for (const run of runs) if (run.topRawCode) codes.set(run.topRawCode, (codes.get(run.topRawCode) ?? 0) + 1);
  const topRawCode = [...codes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const gapRuns = [...runs].sort((a, b) => a.readGapMs - b.readGapMs);
  const medianGap = gapRuns[(gapRuns.length - 1) >> 1] as SideMetrics;
  const worstGap = gapRuns.at(-1) as SideMetrics;
  const firstWrite = nullable(
    runs.map((m) => m.firstWriteMs),
    true,
  );
  const detection = nullable(
    runs.map((m) => m.detectionMs),
    true,
  );
  const beforeSynced = nullable(
    runs.map((m) => m.beforeSynced),
    false,
  );
  const afterSynced = runs.map((m) => m.afterSynced);
  const afterPresent = afterSynced.filter((value): value is number => value !== null);
  const shared = { topRawCode };
  return {
    median: {
      ...shared,
      ok: mid((m) => m.ok),
      typedErrors: mid((m) => m.typedErrors),
      rawErrors: mid((m) => m.rawErrors),
      readGapMs: medianGap.readGapMs,
      readGapOpen: medianGap.readGapOpen,
      firstWriteMs: firstWrite.median,
      refusedWrites: mid((m) => m.refusedWrites),
      beforeSynced: beforeSynced.median,
      afterSynced: afterPresent.length === 0 ? null : Math.round(median(afterPresent)),
      lost: mid((m) => m.lost),
      duplicated: mid((m) => m.duplicated),
      committedThoughFailed: mid((m) => m.committedThoughFailed),
      hungWorkers: mid((m) => m.hungWorkers),
      noiseLines: mid((m) => m.noiseLines),
      uncaught: mid((m) => m.uncaught),
      detectionMs: detection.median,
    },
    worst: {
      ...shared,
      ok: Math.min(...numbers((m) => m.ok)),
      typedErrors: max((m) => m.typedErrors),
      rawErrors: max((m) => m.rawErrors),
      readGapMs: worstGap.readGapMs,
      readGapOpen: worstGap.readGapOpen,
      firstWriteMs: firstWrite.worst,
      refusedWrites: max((m) => m.refusedWrites),
      beforeSynced: beforeSynced.worst,
      // Fewer reads back on the node is worse (0: it never got traffic again).
      afterSynced: afterPresent.length === 0 ? null : Math.min(...afterPresent),
      lost: max((m) => m.lost),
      duplicated: max((m) => m.duplicated),
      committedThoughFailed: max((m) => m.committedThoughFailed),
      hungWorkers: max((m) => m.hungWorkers),
      noiseLines: max((m) => m.noiseLines),
      uncaught: max((m) => m.uncaught),
      detectionMs: detection.worst,
    },
  };
}
