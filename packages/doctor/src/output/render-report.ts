import Table from 'cli-table3';
import pc from 'picocolors';
import type {
  ClusterSummary,
  ConnectedReport,
  Finding,
  HostReport,
  PoolAssumptions,
  Severity,
  UnreachableReport,
} from '../doctor-report.js';
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

interface Layout {
  readonly total: number;
  readonly severityWidth: number;
  readonly checkWidth: number;
}

function findingsTable(
  findings: readonly Pick<Finding, 'severity' | 'title' | 'summary' | 'fix'>[],
  layout: Layout,
  c: Colors,
): string {
  const { total, severityWidth, checkWidth } = layout;
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
  for (const finding of findings) {
    table.push([
      severityLabel(finding.severity, c),
      c.bold(finding.title),
      finding.summary,
      finding.severity === 'ok' ? c.dim(finding.fix) : finding.fix,
    ]);
  }
  return table.toString();
}

const STATE_COLORS: Readonly<Record<HostReport['state'], (c: Colors, text: string) => string>> = {
  up: (c, text) => c.green(text),
  'read-only': (c, text) => c.cyan(text),
  lagging: (c, text) => c.yellow(text),
  desynced: (c, text) => c.yellow(text),
  'non-primary': (c, text) => c.red(text),
  down: (c, text) => c.bold(c.red(text)),
};

/** One row per host: its state and why, its replica lag, and which one is the writer. */
function hostsTable(cluster: ClusterSummary, total: number, c: Colors): string {
  const hostWidth = 24;
  const stateWidth = 13;
  const roleWidth = 24;
  const reasonWidth = total - hostWidth - stateWidth - roleWidth - 5;
  const table = new Table({
    head: ['Host', 'State', 'Role', 'Why'].map((title) => c.bold(title)),
    colWidths: [hostWidth, stateWidth, roleWidth, reasonWidth],
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [] },
  });
  for (const host of cluster.hosts) {
    const lag = host.replication?.lagMs;
    const role = host.writer
      ? c.bold('writer')
      : host.replication?.isReplica
        ? `replica${typeof lag === 'number' ? `, ${formatDuration(lag)} behind` : ''}`
        : '';
    table.push([host.key, STATE_COLORS[host.state](c, host.state), role, host.reason]);
  }
  return table.toString();
}

function describeCluster(cluster: ClusterSummary, c: Colors): string {
  const who =
    cluster.election === 'writer'
      ? `writer ${cluster.writer}`
      : cluster.election === 'split-brain'
        ? c.bold(c.red('split brain (more than one writable host)'))
        : c.bold(c.red('no writer'));
  const checked =
    cluster.checkedHost === null
      ? ''
      : cluster.election === 'writer'
        ? '; the server checks below ran on the writer'
        : `; the server checks below ran on ${cluster.checkedHost}, which is not a writer`;
  return `${cluster.flavor}, ${cluster.hosts.length} hosts, ${who}${checked}`;
}

/** The report for a terminal or a log: a header, one table row per finding, a one-line verdict. */
export function renderReport(report: ConnectedReport, options: RenderOptions): string {
  const c = pc.createColors(options.color);
  const layout: Layout = {
    total: Math.max(90, Math.min(options.width ?? 120, 160)),
    severityWidth: 10,
    checkWidth: 22,
  };
  const { counts } = report;
  const tally = (['severe', 'warn', 'info', 'ok'] as const)
    .map((severity) => `${counts[severity]} ${severity}`)
    .join(' · ');
  const verdict =
    report.exitCode === 1
      ? c.bold(c.red(`${tally}: something is severe (exit 1)`))
      : c.bold(c.green(`${tally}: nothing severe (exit 0)`));
  const server = report.server;
  const cluster = report.cluster;
  const clusterPart =
    cluster === undefined
      ? []
      : [hostsTable(cluster, layout.total, c), '', findingsTable(cluster.findings, layout, c), ''];
  return [
    `${c.bold('goneaway doctor')}  ${report.target}`,
    ...(cluster === undefined ? [] : [`${c.dim('cluster ')}${describeCluster(cluster, c)}`]),
    `${c.dim('server  ')}${server.version} (${server.flavor}), connected in ${server.connectMs} ms`,
    `${c.dim('assuming')} ${describeAssumptions(report.assumptions)}`,
    '',
    ...clusterPart,
    findingsTable(report.findings, layout, c),
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
    ...(report.cluster === undefined
      ? []
      : [
          `  ${c.dim('cluster')} ${describeCluster(report.cluster, c)}`,
          ...report.cluster.hosts.map((host) => `    ${host.key}  ${host.state}  ${host.reason}`),
        ]),
    '',
  ].join('\n');
}
