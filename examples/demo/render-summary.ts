import type { DemoReport } from './run-demo.js';
import { formatMs } from './timing.js';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** " (GONEAWAY_CONNECTION_LOST in #5, …)": which errors still reached the application with goneaway, and where. */
function goneawayCodes(report: DemoReport): string {
  const rows = report.scenarios.filter((s) => (s.goneaway?.errors.count ?? 0) > 0);
  if (rows.length === 0) return '';
  return ` (${rows.map((s) => `${s.goneaway?.errors.first?.code ?? '?'} in #${s.number}`).join(', ')})`;
}

/** The one-paragraph summary printed under the table and written into the Markdown report. */
export function renderSummary(report: DemoReport): string {
  const { totals } = report;
  const where =
    report.server.mode === 'private'
      ? `two private MariaDB ${report.server.version} servers`
      : `the server given with --url (MariaDB/MySQL ${report.server.version})`;
  const parts = [
    `${plural(totals.ran, 'scenario')} ran in ${formatMs(report.durationMs)} against ${where} on ${plural(report.machine.cpus, 'CPU')} (Node ${report.machine.node}).`,
    `${capitalised(report.client.labels.bare)} let ${plural(totals.bareErrors, 'error')} reach the application and printed ${plural(totals.bareNoise, 'line')} of noise;`,
    `${report.client.labels.goneaway} let ${totals.goneawayErrors} through${goneawayCodes(report)} and printed ${totals.goneawayNoise}.`,
    `goneaway was better in ${totals.better}, the same in ${totals.same} and worse in ${totals.worse}.`,
  ];
  if (totals.goneawayFailed === 0) {
    parts.push('Every goneaway row met its expectation.');
  } else {
    const failed = report.scenarios
      .filter((s) => s.skipped === undefined && !s.goneaway?.met)
      .map((s) => s.number);
    parts.push(
      `${plural(totals.goneawayFailed, 'goneaway row')} did NOT meet its expectation (#${failed.join(', #')}).`,
    );
  }
  if (totals.bareDidNotFail > 0) {
    const quiet = report.scenarios
      .filter((s) => s.skipped === undefined && !s.bare?.met)
      .map((s) => s.number);
    parts.push(
      `${capitalised(report.client.labels.bare)} did not show its usual failure in ${plural(totals.bareDidNotFail, 'scenario')} this run (#${quiet.join(', #')}).`,
    );
  }
  if (totals.skipped > 0) parts.push(`${plural(totals.skipped, 'scenario')} skipped (see the table).`);
  return parts.join(' ');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
