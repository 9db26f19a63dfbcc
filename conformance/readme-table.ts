// Prints the results table of the READMEs from conformance/results/*.json:
//   node_modules/.bin/tsx conformance/readme-table.ts
import { readdirSync, readFileSync } from 'node:fs';
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
process.stdout.write(`${lines.join('\n')}\n`);
