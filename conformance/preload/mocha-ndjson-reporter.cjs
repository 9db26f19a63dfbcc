'use strict';
// A mocha reporter that appends one JSON line per finished test, skipped test or failed hook to the
// file named by GONEAWAY_CONFORMANCE_RESULTS, as it happens: a run that crashes or is killed still
// leaves every result it reached (mocha's own json reporter writes only at the end). It also prints
// one short line per test, for the run's log. Loaded by the host library's own mocha (9 to 11).
const { appendFileSync, writeFileSync } = require('node:fs');

const MAX_MESSAGE = 600;
const MAX_STACK_LINES = 8;

function clean(text) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes from chai's diffs.
  return String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
}

function shorten(text) {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/** chai cuts long values out of its message ('The database is unavailable: 35 attem…'): keep the value itself. */
function describeValue(value) {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return shorten(clean(value));
  if (value instanceof Error) return shorten(clean(`${value.name}: ${value.message}`));
  try {
    return shorten(clean(JSON.stringify(value)));
  } catch {
    return shorten(clean(String(value)));
  }
}

function describeError(error) {
  if (error === undefined || error === null) return undefined;
  const message = clean(error.message ?? error);
  const stack = clean(error.stack ?? '')
    .split('\n')
    .filter((line) => line.trim().startsWith('at '))
    .slice(0, MAX_STACK_LINES)
    .map((line) => line.trim());
  return {
    name: typeof error.name === 'string' ? error.name : undefined,
    code: typeof error.code === 'string' || typeof error.code === 'number' ? error.code : undefined,
    message: shorten(message),
    actual: describeValue(error.actual),
    expected: describeValue(error.expected),
    stack,
  };
}

function record(file, entry) {
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

function NdjsonReporter(runner, options) {
  const file = process.env.GONEAWAY_CONFORMANCE_RESULTS;
  if (!file) throw new Error('GONEAWAY_CONFORMANCE_RESULTS must name the file to write results to');
  writeFileSync(file, '');
  // The base class comes from the host's own mocha (the one running this reporter, in its checkout).
  const { Base } = require(require.resolve('mocha', { paths: [process.cwd()] })).reporters;
  Base.call(this, runner, options);
  const started = Date.now();
  record(file, { event: 'start', pid: process.pid });
  const entryOf = (test, status, error) => ({
    event: 'result',
    kind: test.type === 'hook' ? 'hook' : 'test',
    status,
    title: test.fullTitle(),
    titlePath: test.titlePath(),
    suitePath: test.parent ? test.parent.titlePath() : [],
    file: test.file ?? test.parent?.file,
    durationMs: test.duration,
    error: describeError(error),
  });
  runner.on('pass', (test) => {
    record(file, entryOf(test, 'passed'));
    process.stdout.write(`  ✓ ${test.fullTitle()}\n`);
  });
  runner.on('fail', (test, error) => {
    record(file, entryOf(test, 'failed', error));
    process.stdout.write(`  ✗ ${test.fullTitle()}\n      ${describeError(error)?.message.split('\n')[0]}\n`);
  });
  runner.on('pending', (test) => {
    record(file, entryOf(test, 'pending'));
  });
  runner.once('end', () => {
    record(file, { event: 'end', durationMs: Date.now() - started });
  });
}

module.exports = NdjsonReporter;
