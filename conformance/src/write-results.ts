import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './render-markdown.js';
import type { SuiteResult } from './run-suite.js';

export interface SourceState {
  /** The goneaway commit the wrapped runs used (its packages/*\/dist were built from it). */
  readonly commit: string | null;
  /** Files under packages/ changed since that commit. */
  readonly uncommitted: readonly string[];
}

export interface ConformanceReport {
  readonly date: string;
  readonly machine: string;
  readonly loadAverage: readonly number[];
  readonly node: string;
  readonly source: SourceState;
  readonly result: SuiteResult;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function git(args: readonly string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trimEnd();
  } catch {
    return null;
  }
}

export function sourceState(): SourceState {
  const status = git(['status', '--porcelain', '--', 'packages']);
  return {
    commit: git(['rev-parse', 'HEAD']),
    uncommitted:
      status === null || status === ''
        ? []
        : status
            .split('\n')
            .map((line) => line.slice(3).trim())
            .filter((path) => path !== ''),
  };
}

export function machineDescription(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${model} (${platform()} ${release()}, Node ${process.version})`;
}

/** Writes `<outDir>/<suite>.json` (everything, for tools) and `<suite>.md` (for people); returns both paths. */
export async function writeResults(
  outDir: string,
  result: SuiteResult,
  source: SourceState,
  loadAverage: readonly number[] = loadavg(),
): Promise<{ json: string; markdown: string; report: ConformanceReport }> {
  const report: ConformanceReport = {
    date: new Date().toISOString(),
    machine: machineDescription(),
    loadAverage: loadAverage.map((value) => Math.round(value * 100) / 100),
    node: process.version,
    source,
    result,
  };
  await mkdir(outDir, { recursive: true });
  const name = result.subset === undefined ? result.suite : `${result.suite}-${result.subset}`;
  const json = join(outDir, `${name}.json`);
  const markdown = join(outDir, `${name}.md`);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(report));
  return { json, markdown, report };
}
