import { describeSide, LEGEND, verdictText } from './describe-side.js';
import { renderSummary } from './render-summary.js';
import type { DemoReport } from './run-demo.js';

/** Markdown table cells: pipes would end the cell, newlines the row, backticks (SQL shapes) start code. */
function escapeCell(text: string): string {
  return text
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replaceAll('`', '\\`')
    .replaceAll('<', '&lt;')
    .replaceAll('\n', ' ');
}

/** The same results as the terminal table, for the README and CI summaries. */
export function renderMarkdown(report: DemoReport): string {
  const date = report.startedAt.slice(0, 10);
  const lines = [
    `Demo run of ${date} on ${report.machine.cpus} × ${report.machine.cpu} (${report.machine.os}, Node ${report.machine.node}), MariaDB ${report.server.version}.`,
    '',
    `| # | Scenario | ${report.client.labels.bare} | ${report.client.labels.goneaway} | Verdict |`,
    '|---|---|---|---|---|',
  ];
  for (const result of report.scenarios) {
    const scenario = `**${escapeCell(result.title)}**<br>${escapeCell(result.cause)}`;
    if (result.skipped !== undefined) {
      lines.push(`| ${result.number} | ${scenario} | skipped: ${escapeCell(result.skipped)} | | skipped |`);
      continue;
    }
    const side = (which: 'bare' | 'goneaway') => {
      const sideResult = result[which];
      return sideResult
        ? describeSide(sideResult)
            .map((line) => escapeCell(line.text))
            .join('<br>')
        : '';
    };
    lines.push(
      `| ${result.number} | ${scenario} | ${side('bare')} | ${side('goneaway')} | **${verdictText(result)}**<br>${escapeCell(result.why)} |`,
    );
  }
  lines.push('', LEGEND, '', renderSummary(report), '');
  return lines.join('\n');
}
