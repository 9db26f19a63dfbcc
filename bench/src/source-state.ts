import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/src/../..), whatever the current directory. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SourceState {
  /** The commit the benchmark ran on (null outside a git checkout). */
  readonly commit: string | null;
  /** Files of the measured packages changed since that commit: results of a dirty tree say so. */
  readonly uncommitted: readonly string[];
}

function git(args: readonly string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      // Only the end: porcelain lines start with a status column that may be a space (" M path").
    }).trimEnd();
  } catch {
    return null;
  }
}

/** Which code produced a result: the commit and any uncommitted change under packages/. */
export function sourceState(): SourceState {
  const commit = git(['rev-parse', 'HEAD']);
  const status = git(['status', '--porcelain', '--', 'packages']);
  const uncommitted =
    status === null || status === ''
      ? []
      : status
          .split('\n')
          .map((line) => line.slice(3).trim())
          .filter((path) => path !== '');
  return { commit, uncommitted };
}
