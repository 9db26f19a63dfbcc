import type { AnyBenchmark, BenchResult, Cell, TableSpec } from './benchmark.js';
import { checkMark } from './benchmark.js';
import type { MachineInfo } from './machine-info.js';

export interface LoadedResult {
  readonly benchmark: AnyBenchmark;
  readonly result: BenchResult;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', '<br>');
}

function cellText(cell: Cell): string {
  return escapeCell(typeof cell === 'string' ? cell : cell.text);
}

export function markdownTable(spec: Pick<TableSpec, 'head' | 'rows'>): string {
  const head = `| ${spec.head.map((title) => escapeCell(title)).join(' | ')} |`;
  const rule = `|${spec.head.map(() => ' --- ').join('|')}|`;
  const rows = spec.rows.map((row) => `| ${row.map(cellText).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

export function describeMachine(machine: MachineInfo): string {
  const gib = (machine.memoryBytes / 1024 ** 3).toFixed(0);
  const versions = Object.entries(machine.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return `${machine.cores} cores (${machine.cpuModel}), ${gib} GiB RAM, ${machine.os}; Node ${machine.node}, MariaDB ${machine.mariadb}; ${versions}`;
}

/**
 * bench/results/performance.md from the results JSON: where and when it ran, then per benchmark its
 * table, its targets (goal beside the measured value, ✓/✗) and its notes, and at the end the list of
 * targets not met. The root README only summarises and links to that file, so the tables live in one
 * place and cannot drift.
 */
export function renderMarkdown(results: readonly LoadedResult[]): string {
  if (results.length === 0) return 'No benchmark results found.\n';
  const first = results[0]!.result;
  const presets = [...new Set(results.map(({ result }) => result.preset))];
  const loads = results.map(({ result }) => result.machine.loadAverage[0] ?? 0);
  const commits = [...new Set(results.map(({ result }) => result.source?.commit?.slice(0, 7) ?? 'unknown'))];
  const dirty = results.some(({ result }) => (result.source?.uncommitted.length ?? 0) > 0);
  const lines: string[] = [
    '# Performance',
    '',
    'Generated from `bench/results/*.json` by `npm run bench -- --markdown bench/results/performance.md`, or without running anything by `node_modules/.bin/tsx bench/src/readme-table.ts`: do not edit by hand. How to read it: [docs/benchmarks.md](../../docs/benchmarks.md).',
    '',
    `Measured ${measuredSpan(results)} with \`npm run bench\` (${presets.join(', ')} preset) on ${describeMachine(first.machine)}. Load average at the start of each benchmark ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (the machine was shared). Bare and wrapped ran in the same process, interleaved: bare knex + mysql2 beside knex + goneaway, a bare mysql2 pool beside \`goneAwayMysql2(mysql2)\`, a TypeORM DataSource beside \`goneAwayTypeorm(options)\`, Prisma on \`PrismaMariaDb\` beside \`goneAwayPrisma(adapter)\`, a Sequelize instance beside \`goneAwaySequelize(options)\` (default options). Code: commit ${commits.join(', ')}${dirty ? ' plus uncommitted changes under packages/ (listed in the JSON)' : ''}. Raw samples: \`bench/results/*.json\`.`,
    '',
  ];
  const missed: string[] = [];
  for (const { benchmark, result } of results) {
    const spec = benchmark.table(result);
    lines.push(`## ${result.title}`, '', markdownTable(spec), '');
    if (result.checks.length > 0) {
      lines.push(
        markdownTable({
          head: ['target', 'goal', 'measured', ''],
          rows: result.checks.map((check) => [
            check.label,
            check.target,
            check.measured,
            checkMark(check.met),
          ]),
        }),
        '',
      );
    }
    for (const note of spec.notes ?? []) lines.push(`> ${note}`, '>');
    if ((spec.notes ?? []).length > 0) lines.pop();
    lines.push('');
    for (const check of result.checks) {
      if (check.met === false)
        missed.push(
          `${result.title.split(':')[0]}: ${check.label}: ${check.measured} (goal ${check.target})`,
        );
    }
  }
  if (missed.length > 0) {
    lines.push('**Targets not met in this run:**', '', ...missed.map((item) => `- ${escapeCell(item)}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * When the results were measured: `2026-12-07 (04:01–04:11 UTC)`; results of several days name
 * which benchmarks ran on which day (a partial run keeps the other JSON files as they were).
 */
function measuredSpan(results: readonly LoadedResult[]): string {
  const byDay = new Map<string, { names: string[]; times: string[] }>();
  for (const { benchmark, result } of results) {
    const day = result.date.slice(0, 10);
    const entry = byDay.get(day) ?? { names: [], times: [] };
    entry.names.push(benchmark.name);
    entry.times.push(result.date.slice(11, 16));
    byDay.set(day, entry);
  }
  const days = [...byDay.keys()].sort();
  const span = (day: string) => {
    const times = (byDay.get(day) as { times: string[] }).times.sort();
    return `${day} (${times[0]}–${times.at(-1)} UTC)`;
  };
  if (days.length === 1) return span(days[0] as string);
  return days
    .map((day) => `${span(day)}: ${(byDay.get(day) as { names: string[] }).names.join(', ')}`)
    .join('; ');
}
