import Table from 'cli-table3';
import pc from 'picocolors';
import { type CellLine, describeSide, LEGEND, type Tone, verdictText } from './describe-side.js';
import type { ScenarioResult } from './scenario.js';

/** picocolors turns itself off for NO_COLOR, a non-TTY stdout, or on for FORCE_COLOR. */
const TONE: Record<Tone, (text: string) => string> = {
  good: pc.green,
  bad: pc.red,
  warn: pc.yellow,
  plain: (text) => text,
  dim: pc.dim,
};

function cell(lines: readonly CellLine[]): string {
  return lines.map((line) => TONE[line.tone](line.text)).join('\n');
}

function verdictCell(result: ScenarioResult): string {
  const text = verdictText(result);
  const colour =
    result.verdict === 'better' ? pc.green : result.verdict === 'worse' ? pc.red : (s: string) => pc.dim(s);
  return `${pc.bold(colour(text))}\n${pc.dim(result.why)}`;
}

/** The side-by-side table for a terminal (or a log file: no colour there). */
export function renderTable(
  results: readonly ScenarioResult[],
  labels: Readonly<Record<'bare' | 'goneaway', string>>,
  width = process.stdout.columns ?? 140,
): string {
  const total = Math.max(110, Math.min(width, 180));
  const numberWidth = 4;
  const scenarioWidth = 22;
  const verdictWidth = 24;
  // 6 vertical borders; the two sides share what is left.
  const sideWidth = Math.floor((total - numberWidth - scenarioWidth - verdictWidth - 6) / 2);
  const table = new Table({
    head: ['#', 'Scenario', labels.bare, labels.goneaway, 'Verdict'].map((title) => pc.bold(title)),
    colWidths: [numberWidth, scenarioWidth, sideWidth, sideWidth, verdictWidth],
    wordWrap: true,
    wrapOnWordBoundary: true,
    // No colours from cli-table3 itself: all colour comes from picocolors, so NO_COLOR is honoured.
    style: { head: [], border: [] },
  });
  for (const result of results) {
    if (result.skipped !== undefined) {
      table.push([
        String(result.number),
        result.title,
        { colSpan: 2, content: pc.dim(`skipped: ${result.skipped}`) },
        pc.dim('skipped'),
      ]);
      continue;
    }
    table.push([
      String(result.number),
      `${pc.bold(result.title)}\n${pc.dim(result.cause)}`,
      result.bare ? cell(describeSide(result.bare)) : '',
      result.goneaway ? cell(describeSide(result.goneaway)) : '',
      verdictCell(result),
    ]);
  }
  return `${table.toString()}\n${pc.dim(LEGEND)}`;
}
