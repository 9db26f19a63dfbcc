import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SUITE_NAMES, type SuiteName } from './conformance-suite.js';

export interface ConformanceOptions {
  readonly suites: readonly SuiteName[];
  readonly repo: string | undefined;
  readonly ref: string | undefined;
  readonly subset: string | undefined;
  readonly cacheDir: string;
  readonly outDir: string;
  readonly rerun: boolean;
  /** Exit 1 when a suite has a regression (default: exit 0; the regressions are the report). */
  readonly strict: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run conformance -- [--suite <names>] [--repo <path>] [--ref <ref>] [--subset <name>]
                                [--cache-dir <dir>] [--out <dir>] [--no-rerun] [--strict]

Runs a host library's own test suite twice on one private MariaDB, bare and with goneaway
preloaded, and lists the tests that pass bare and fail wrapped.

  --suite <names>    comma-separated: ${SUITE_NAMES.join(', ')} (default: knex,kysely; typeorm is long)
  --repo <path>      a git dir (bare mirror) or checkout of the library (default: the mirror in /work/.mirror)
  --ref <ref>        the commit, tag or branch to test (default: the suite's, see conformance/README.md)
  --subset <name>    a named part of the suite (typeorm: see conformance/README.md)
  --cache-dir <dir>  checkouts and run logs (default: $XDG_CACHE_HOME or ~/.cache, /goneaway-conformance)
  --out <dir>        where <suite>.json and <suite>.md go (default: conformance/results)
  --no-rerun         do not run the files holding a difference a second time (flakes then count as regressions)
  --strict           exit 1 when a suite has a regression (default: exit 0, the regressions are the report)
`;

export class ConformanceUsageError extends Error {
  readonly code = 'CONFORMANCE_USAGE';
}

export const DEFAULT_SUITES: readonly SuiteName[] = ['knex', 'kysely'];

export function parseConformanceArgs(argv: readonly string[], defaultOutDir: string): ConformanceOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new ConformanceUsageError(error instanceof Error ? error.message : String(error));
  }
  const names = (values.suite ?? [])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const name of names) {
    if (!(SUITE_NAMES as readonly string[]).includes(name)) {
      throw new ConformanceUsageError(
        `--suite: unknown suite "${name}"; expected one of ${SUITE_NAMES.join(', ')}`,
      );
    }
  }
  const suites = names.length > 0 ? (names as SuiteName[]) : DEFAULT_SUITES;
  if (
    (values.repo !== undefined || values.ref !== undefined || values.subset !== undefined) &&
    suites.length !== 1
  ) {
    throw new ConformanceUsageError('--repo, --ref and --subset need exactly one --suite');
  }
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return {
    suites,
    repo: values.repo === undefined ? undefined : resolve(values.repo),
    ref: values.ref,
    subset: values.subset,
    cacheDir: resolve(values['cache-dir'] ?? join(cacheHome, 'goneaway-conformance')),
    outDir: resolve(values.out ?? defaultOutDir),
    rerun: !(values['no-rerun'] ?? false),
    strict: values.strict ?? false,
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      suite: { type: 'string', multiple: true },
      repo: { type: 'string' },
      ref: { type: 'string' },
      subset: { type: 'string' },
      'cache-dir': { type: 'string' },
      out: { type: 'string' },
      'no-rerun': { type: 'boolean' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    strict: true,
  });
}
