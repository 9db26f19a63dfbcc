import Table from 'cli-table3';
import pc from 'picocolors';
import { type AnyBenchmark, type BenchResult, type Cell, checkMark, type Tone, toneOf } from './benchmark.js';

/** picocolors turns itself off for NO_COLOR and a non-TTY stdout. */
const TONE: Record<Tone, (text: string) => string> = {
  good: pc.green,
  bad: pc.red,
  warn: pc.yellow,
  dim: pc.dim,
  plain: (text) => text,
};

export function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

function paint(cell: Cell): string {
  return typeof cell === 'string' ? cell : TONE[cell.tone ?? 'plain'](cell.text);
}

function newTable(head: readonly string[]): Table.Table {
  // No colours from cli-table3 itself: all colour comes from picocolors, so NO_COLOR is honoured.
  return new Table({ head: head.map((title) => pc.bold(title)), style: { head: [], border: [] } });
}

/** The benchmark's table, then its targets (target beside the measured value, ✓/✗), then its notes. */
export function renderResult(benchmark: AnyBenchmark, result: BenchResult): string {
  const spec = benchmark.table(result);
  const table = newTable(spec.head);
  for (const row of spec.rows) table.push(row.map(paint));
  const checks = newTable(['Target', 'Goal', 'Measured', '']);
  for (const check of result.checks) {
    checks.push([check.label, check.target, check.measured, TONE[toneOf(check.met)](checkMark(check.met))]);
  }
  const lines = [
    pc.bold(`${result.title}`) + pc.dim(`  (${(result.durationMs / 1000).toFixed(1)} s, ${result.preset})`),
    table.toString(),
  ];
  if (result.checks.length > 0) lines.push(checks.toString());
  for (const note of spec.notes ?? []) lines.push(pc.dim(`  ${note}`));
  return lines.join('\n');
}
