import Table from 'cli-table3';
import pc from 'picocolors';
import { formatMs } from './cluster-goals.js';
import { selectClusterScenarios } from './cluster-scenarios.js';
import { type CellTone, scenarioTable } from './cluster-table.js';
import { type ClusterDemoReport, metricsBySide } from './run-cluster-demo.js';

const TONE: Record<CellTone, (text: string) => string> = {
  good: pc.green,
  bad: pc.red,
  plain: (text) => text,
  dim: pc.dim,
};

/** Per scenario: its title, the side-by-side table, the verdict; then one summary paragraph. */
export function renderClusterDemo(report: ClusterDemoReport, width = process.stdout.columns ?? 140): string {
  const total = Math.max(110, Math.min(width, 180));
  const labelWidth = 44;
  const goalWidth = 7;
  const sideWidth = Math.floor((total - labelWidth - goalWidth - 7) / 4);
  const scenarios = selectClusterScenarios(undefined);
  const out: string[] = [];
  for (const result of report.scenarios) {
    const scenario = scenarios.find((each) => each.id === result.id);
    if (scenario === undefined) continue;
    const table = new Table({
      head: scenarioTable(scenario, {}).head.map((title) => pc.bold(title)),
      colWidths: [labelWidth, goalWidth, sideWidth, sideWidth, sideWidth, sideWidth],
      wordWrap: true,
      wrapOnWordBoundary: true,
      // No rule between rows: a scenario's table stays one screen high.
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
      style: { head: [], border: [] },
    });
    for (const row of scenarioTable(scenario, metricsBySide(result.run)).rows) {
      table.push(row.map((cell) => TONE[cell.tone](cell.text)));
    }
    const { marks } = result.run;
    const timeline = [
      marks.failedAfterMs !== null && marks.syncedAfterMs === null
        ? `failed +${formatMs(marks.failedAfterMs)}`
        : undefined,
      marks.writableAfterMs !== null ? `a writer writable +${formatMs(marks.writableAfterMs)}` : undefined,
      marks.syncedAfterMs !== null ? `Synced +${formatMs(marks.syncedAfterMs)}` : undefined,
      `observed ${formatMs(result.run.observedMs)}`,
    ].filter((part) => part !== undefined);
    const verdict = result.verdict.goneawayMet
      ? pc.green('goneaway met every goal')
      : pc.red('goneaway missed a goal');
    out.push(
      `${pc.bold(`${result.number}. ${result.title}`)} ${pc.dim(`— ${result.cause}; ${result.run.failingNode} (${timeline.join(', ')})`)}`,
      table.toString(),
      `${verdict}; ${pc.dim(result.verdict.text)}`,
      '',
    );
  }
  out.push(summarise(report));
  return out.join('\n');
}

export function summarise(report: ClusterDemoReport): string {
  const met = report.scenarios.filter((result) => result.verdict.goneawayMet).length;
  const missed = report.scenarios.flatMap((result) =>
    result.verdict.missed.map((text) => `#${result.number} ${text}`),
  );
  const parts = [
    `${report.scenarios.length} cluster scenario${report.scenarios.length === 1 ? '' : 's'} ran in ${formatMs(report.durationMs)} on ${report.machine.cpus} CPUs (Node ${report.machine.node}), the four clients at once against each fault, with their default options.`,
    `goneaway (knex and mysql2) met every goal in ${met} of ${report.scenarios.length}.`,
  ];
  if (missed.length > 0) parts.push(`Missed: ${missed.join('; ')}.`);
  return parts.join(' ');
}

function markdownCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', '<br>');
}

/** The same tables as Markdown (`--markdown`), one per scenario, then the summary. */
export function renderClusterMarkdown(report: ClusterDemoReport): string {
  const scenarios = selectClusterScenarios(undefined);
  const lines: string[] = [
    `# \`npm run demo -- --cluster\` (${report.startedAt.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
  ];
  for (const result of report.scenarios) {
    const scenario = scenarios.find((each) => each.id === result.id);
    if (scenario === undefined) continue;
    const table = scenarioTable(scenario, metricsBySide(result.run));
    lines.push(
      `## ${result.number}. ${result.title}`,
      '',
      result.cause,
      '',
      `| ${table.head.map(markdownCell).join(' | ')} |`,
      `|${table.head.map(() => ' --- ').join('|')}|`,
      ...table.rows.map((row) => `| ${row.map((cell) => markdownCell(cell.text)).join(' | ')} |`),
      '',
      result.verdict.text,
      '',
    );
  }
  lines.push(summarise(report), '');
  return lines.join('\n');
}
