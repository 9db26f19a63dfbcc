import type { ChaosReport } from './run-chaos.js';

/** Two-column rows, aligned: a plain table that reads the same in a terminal and in a CI log. */
function table(title: string, rows: ReadonlyArray<readonly [string, string | number]>): string {
  const width = Math.max(title.length, ...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => String(value).length), 1);
  const rule = `+${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}+`;
  const line = (label: string, value: string) => `| ${label.padEnd(width)} | ${value.padStart(valueWidth)} |`;
  return [rule, line(title, ''), rule, ...rows.map(([l, v]) => line(l, String(v))), rule].join('\n');
}

/** Errors that were neither goneaway's typed errors nor the application's own. */
export function untypedCount(report: ChaosReport): number {
  return Object.entries(report.surfacedByCode)
    .filter(([code]) => code.startsWith('untyped:'))
    .reduce((sum, [, n]) => sum + n, 0);
}

function sorted(record: Record<string, number>): Array<[string, number]> {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

/** The summary `npm run chaos` prints and the test logs. */
export function formatChaosReport(report: ChaosReport): string {
  const surfaced = Object.values(report.surfacedByCode).reduce((a, b) => a + b, 0);
  const retried = Object.values(report.retriedByReason).reduce((a, b) => a + b, 0);
  const summary = table(`chaos write-safety, seed ${report.seed}`, [
    ['duration', `${(report.durationMs / 1000).toFixed(0)} s, ${report.workers} workers`],
    ['transfers attempted', report.attempted],
    ['acked (the app saw success)', report.acked],
    ['retried whole (withTransactionRetry)', retried],
    ...sorted(report.retriedByReason).map(([reason, n]) => [`  after ${reason}`, n] as const),
    [
      'lost COMMITs resolved by key lookup (committed / not / unknown)',
      `${report.commitResolutions.committed} / ${report.commitResolutions.notCommitted} / ${report.commitResolutions.unknown}`,
    ],
    ['surfaced to the app', surfaced],
    ...sorted(report.surfacedByCode).map(([code, n]) => [`  ${code}`, n] as const),
    ['lost acknowledged writes', report.lost.length],
    ['duplicates (idempotency key twice)', report.duplicates.length],
    ['phantoms (error said rolled back, row present)', report.phantoms.length],
    ['failed with COMMIT_UNKNOWN, yet committed', report.committedDespiteUnknown],
    ['balance sum (expected / actual)', `${report.balance.expected} / ${report.balance.actual}`],
    ['accounts not matching their transfers', report.accountMismatches],
    ['untyped errors', untypedCount(report)],
    ['hung transfers', report.hung],
  ]);
  const faults = table(
    'faults injected (skipped: nothing to hit)',
    sorted(
      Object.fromEntries(Object.entries(report.faults).map(([kind, count]) => [kind, count.injected])),
    ).map(
      ([kind, n]) =>
        [
          kind,
          `${n}${report.faults[kind as keyof typeof report.faults].skipped ? ` (+${report.faults[kind as keyof typeof report.faults].skipped} skipped)` : ''}`,
        ] as const,
    ),
  );
  const goneaway = table('goneaway events', [
    ...sorted(report.events),
    ['connect attempts', report.connectAttempts],
    ['knex log lines', report.knexLogLines],
  ]);
  const notes = [
    ...report.untypedSamples.map((s) => `untyped: ${s}`),
    ...report.lost.slice(0, 5).map((k) => `lost: ${k}`),
    ...report.duplicates.slice(0, 5).map((k) => `duplicate: ${k}`),
    ...report.phantoms.slice(0, 5).map((k) => `phantom: ${k}`),
    ...report.knexLogSamples.map((s) => `knex log: ${s}`),
  ];
  return [summary, faults, goneaway, ...notes].join('\n');
}

/** The failures a run must not have; empty when the run is clean. */
export function chaosViolations(report: ChaosReport): string[] {
  const violations: string[] = [];
  if (report.lost.length > 0) violations.push(`${report.lost.length} acknowledged transfers lost`);
  if (report.duplicates.length > 0)
    violations.push(`${report.duplicates.length} idempotency keys duplicated`);
  if (report.phantoms.length > 0)
    violations.push(`${report.phantoms.length} transfers committed despite a "rolled back" error`);
  if (report.balance.actual !== report.balance.expected) violations.push('balance invariant broken');
  if (report.accountMismatches > 0)
    violations.push(`${report.accountMismatches} accounts do not match their transfers`);
  const untyped = untypedCount(report);
  if (untyped > 0) violations.push(`${untyped} untyped errors reached the application`);
  if (report.hung > 0) violations.push(`${report.hung} transfers hung`);
  return violations;
}
