import Table from 'cli-table3';
import pc from 'picocolors';
import type { ConnectedReport, PoolAssumptions, Severity, UnreachableReport } from '../doctor-report.js';
import { formatDuration } from '../format/format-duration.js';

export interface RenderOptions {
  readonly color: boolean;
  /** Terminal width; the table stays between 90 and 160 columns. */
  readonly width?: number;
}

type Colors = ReturnType<typeof pc.createColors>;

const LABELS: Record<Severity, string> = { severe: '✖ SEVERE', warn: '▲ warn', info: 'ℹ info', ok: '✔ ok' };

function severityLabel(severity: Severity, c: Colors): string {
  const label = LABELS[severity];
  switch (severity) {
    case 'severe':
      return c.bold(c.red(label));
    case 'warn':
      return c.yellow(label);
    case 'info':
      return c.cyan(label);
    case 'ok':
      return c.green(label);
  }
}

export function describeAssumptions(pool: PoolAssumptions): string {
  return (
    `pool.max ${pool.poolMax} × ${pool.instances} instance${pool.instances === 1 ? '' : 's'}, ` +
    `idle timeout ${formatDuration(pool.idleMs)}, ` +
    `${pool.lifetimeMs === null ? 'no max lifetime' : `max lifetime ${formatDuration(pool.lifetimeMs)}`}, ` +
    (pool.goneaway
      ? 'knex + goneaway (default options)'
      : 'bare knex + mysql2 (--goneaway to judge it with goneaway)')
  );
}

/** The report for a terminal or a log: a header, one table row per finding, a one-line verdict. */
export function renderReport(report: ConnectedReport, options: RenderOptions): string {
  const c = pc.createColors(options.color);
  const total = Math.max(90, Math.min(options.width ?? 120, 160));
  const severityWidth = 10;
  const checkWidth = 22;
  // 5 vertical borders, 2 columns of padding per cell.
  const rest = total - severityWidth - checkWidth - 5;
  const findingWidth = Math.floor(rest * 0.58);
  const fixWidth = rest - findingWidth;
  const table = new Table({
    head: ['Severity', 'Check', 'Finding', 'Fix'].map((title) => c.bold(title)),
    colWidths: [severityWidth, checkWidth, findingWidth, fixWidth],
    wordWrap: true,
    wrapOnWordBoundary: true,
    // No colours from cli-table3 itself: all colour comes from picocolors, so the decision is ours.
    style: { head: [], border: [] },
  });
  for (const finding of report.findings) {
    table.push([
      severityLabel(finding.severity, c),
      c.bold(finding.title),
      finding.summary,
      finding.severity === 'ok' ? c.dim(finding.fix) : finding.fix,
    ]);
  }
  const { counts } = report;
  const tally = (['severe', 'warn', 'info', 'ok'] as const)
    .map((severity) => `${counts[severity]} ${severity}`)
    .join(' · ');
  const verdict =
    report.exitCode === 1
      ? c.bold(c.red(`${tally}: something is severe (exit 1)`))
      : c.bold(c.green(`${tally}: nothing severe (exit 0)`));
  const server = report.server;
  return [
    `${c.bold('goneaway doctor')}  ${report.target}`,
    `${c.dim('server  ')}${server.version} (${server.flavor}), connected in ${server.connectMs} ms`,
    `${c.dim('assuming')} ${describeAssumptions(report.assumptions)}`,
    '',
    table.toString(),
    '',
    verdict,
    '',
  ].join('\n');
}

/** Why the doctor could not connect, for stderr. */
export function renderUnreachable(report: UnreachableReport, options: RenderOptions): string {
  const c = pc.createColors(options.color);
  const { failure } = report;
  const ids = [failure.code, failure.errno === null ? null : `errno ${failure.errno}`]
    .filter((part) => part !== null)
    .join(', ');
  return [
    `${c.bold(c.red('goneaway doctor: cannot connect'))} to ${report.target}`,
    `  ${c.dim('reason')}  ${c.bold(failure.kind)}${ids === '' ? '' : ` (${ids})`}`,
    `  ${c.dim('error ')}  ${failure.message}`,
    `  ${c.dim('hint  ')}  ${failure.hint}`,
    '',
  ].join('\n');
}
