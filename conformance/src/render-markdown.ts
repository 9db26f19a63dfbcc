import type { ClassifiedDifference, FailedTest, TestState } from './compare-runs.js';
import type { ConformanceReport } from './write-results.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ').replaceAll('`', "'");
}

function firstLine(text: string | undefined, max = 220): string {
  const line = (text ?? '').split('\n').find((part) => part.trim() !== '') ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

export function describeState(state: TestState | undefined): string {
  if (state === undefined) return 'not rerun';
  const actual = state.error?.actual === undefined ? '' : ` (actual: ${firstLine(state.error.actual, 300)})`;
  const message = `${firstLine(state.error?.message)}${actual}`;
  const code = state.error?.code === undefined ? '' : ` [${state.error.code}]`;
  if (state.outcome === 'missing') {
    return `did not run: ${state.cause ?? 'not reported'}${message === '' ? '' : ` — ${message}`}${code}`;
  }
  return message === '' ? state.outcome : `${state.outcome}: ${message}${code}`;
}

function differenceRows(differences: readonly ClassifiedDifference[], withReason: boolean): string[] {
  const header = withReason
    ? ['| test | file | wrapped | reason |', '| --- | --- | --- | --- |']
    : [
        '| test | file | wrapped (first run) | wrapped (rerun) | bare (rerun) |',
        '| --- | --- | --- | --- | --- |',
      ];
  return [
    ...header,
    ...differences.map((difference) =>
      withReason
        ? `| ${cell(difference.title)} | ${cell(difference.file ?? '')} | ${cell(describeState(difference.wrapped))} | ${cell(difference.reason ?? '')} |`
        : `| ${cell(difference.title)} | ${cell(difference.file ?? '')} | ${cell(describeState(difference.wrapped))} | ${cell(describeState(difference.wrappedRerun))} | ${cell(describeState(difference.bareRerun))} |`,
    ),
  ];
}

function failedTable(tests: readonly FailedTest[]): string[] {
  if (tests.length === 0) return ['None.'];
  return [
    '| test | file | bare failure |',
    '| --- | --- | --- |',
    ...tests.map(
      (test) => `| ${cell(test.title)} | ${cell(test.file ?? '')} | ${cell(firstLine(test.bareError))} |`,
    ),
  ];
}

/** One suite's result as markdown: the numbers, then every regression, intended difference and flake. */
export function renderMarkdown(report: ConformanceReport): string {
  const { result } = report;
  const c = result.comparison;
  const lines: string[] = [
    `# Conformance: ${result.suite}`,
    '',
    `${result.title}${result.subset === undefined ? '' : `, subset \`${result.subset}\``}.`,
    '',
    `Run of ${report.date} on ${report.machine}; MariaDB ${result.serverVersion}; ` +
      `${result.suite} at \`${result.checkout.commit.slice(0, 12)}\` ("${result.checkout.subject}"); ` +
      `${Object.entries(result.checkout.versions)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ')}; goneaway at \`${report.source.commit?.slice(0, 12) ?? 'unknown'}\`` +
      `${report.source.uncommitted.length > 0 ? ` with uncommitted changes in ${report.source.uncommitted.join(', ')}` : ''}. ` +
      `The whole suite took ${seconds(result.durationMs)}.`,
    '',
    '| tests | bare passed | wrapped passed | regressions | intended differences | flaky | failed both | pending both | passed only wrapped |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${c.totalTests} | ${c.barePassed} | ${c.wrappedPassed} | ${c.regressions.length} | ${c.intended.length} | ${c.flaky.length} | ${c.bothFailed.length} | ${c.pendingBoth} | ${c.passedOnlyWrapped.length} |`,
    '',
    '| run | spec files | passed | failed | pending | failed hooks | time | finished |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.runs.map(
      (run) =>
        `| ${run.label} | ${run.specFiles} | ${run.passed} | ${run.failed} | ${run.pending} | ${run.hookFailures} | ${seconds(run.durationMs)} | ${run.finished ? 'yes' : run.timedOut ? 'no (time limit)' : `no (exit ${run.exitCode})`} |`,
    ),
    '',
    `## Regressions (${c.regressions.length})`,
    '',
    'Passed bare twice, failed wrapped twice (the first full run and a rerun of the file).',
    '',
    ...(c.regressions.length === 0 ? ['None.'] : differenceRows(c.regressions, false)),
    '',
    `## Intended differences (${c.intended.length})`,
    '',
    'Listed with their reason in `conformance/intended-differences.ts`.',
    '',
    ...(c.intended.length === 0 ? ['None.'] : differenceRows(c.intended, true)),
    '',
    `## Flaky (${c.flaky.length})`,
    '',
    'Differed in the first runs, not again in the reruns.',
    '',
    ...(c.flaky.length === 0 ? ['None.'] : differenceRows(c.flaky, false)),
    '',
    `## Passed only wrapped (${c.passedOnlyWrapped.length})`,
    '',
    ...failedTable(c.passedOnlyWrapped),
    '',
    `## Failed both ways (${c.bothFailed.length})`,
    '',
    "Not counted against goneaway: MariaDB-versus-MySQL differences, settings of the host's own CI, and the like.",
    '',
    ...failedTable(c.bothFailed),
    '',
  ];
  return lines.join('\n');
}
