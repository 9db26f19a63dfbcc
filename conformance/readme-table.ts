// The results table of the READMEs from conformance/results/*.json: printed, or with --write put
// between the markers of README.md (conformance-summary) and conformance/README.md (conformance-table):
//   node_modules/.bin/tsx conformance/readme-table.ts [--write]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConformanceReport } from './src/write-results.js';

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
const ORDER = ['knex', 'kysely', 'typeorm'];

const reports = readdirSync(resultsDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as ConformanceReport)
  .sort((a, b) => ORDER.indexOf(a.result.suite) - ORDER.indexOf(b.result.suite));

const lines = [
  '| suite | tests | bare passed | wrapped passed | regressions | intended differences | flaky | whole run |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const { result } of reports) {
  const c = result.comparison;
  const subset = result.subset === undefined ? '' : `, subset ${result.subset}`;
  const name = `${result.suite} ${result.checkout.ref} (\`${result.checkout.commit.slice(0, 9)}\`)${subset}`;
  lines.push(
    `| ${name.replaceAll('|', '\\|')} | ${c.totalTests} | ${c.barePassed} | ${c.wrappedPassed} | ${c.regressions.length} | ${c.intended.length} | ${c.flaky.length} | ${Math.round(result.durationMs / 1000)} s |`,
  );
}
const dates = reports.map((report) => report.date.slice(0, 10));
const commits = [...new Set(reports.map((report) => report.source.commit?.slice(0, 7) ?? 'unknown'))];
lines.push(
  '',
  `Measured ${[...new Set(dates)].join(', ')} on ${reports[0]?.machine ?? 'unknown'}, MariaDB ${reports[0]?.result.serverVersion ?? 'unknown'}, goneaway at ${commits.join(', ')}; "whole run" is both runs plus the second runs of the differing files, checkout and install reused.`,
);
const table = `${lines.join('\n')}\n`;

/** Replaces what stands between `<!-- marker -->` and `<!-- /marker -->` in `file`. */
function writeBetween(file: string, marker: string): void {
  const text = readFileSync(file, 'utf8');
  const open = `<!-- ${marker} -->\n`;
  const close = `<!-- /${marker} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start === -1 || end < start) throw new Error(`${file} has no ${open.trim()} … ${close} markers`);
  writeFileSync(file, `${text.slice(0, start + open.length)}${table}${text.slice(end)}`);
}

if (process.argv.includes('--write')) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  writeBetween(join(root, 'README.md'), 'conformance-summary');
  writeBetween(join(root, 'conformance', 'README.md'), 'conformance-table');
} else {
  process.stdout.write(table);
}
