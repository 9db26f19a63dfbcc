import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayError, hasGoneAwayCode } from './goneaway-error.js';

/** One problem with the options: where, what was expected, what was given. */
export interface ConfigIssue {
  /** Dotted option path, e.g. `backoff.maxDelayMs`; `''` for the options object itself. */
  readonly path: string;
  /** What the option accepts, e.g. `a positive integer (ms)`. */
  readonly expected: string;
  /** What was given, described (`-1`, `a string`, `an unknown option`). */
  readonly received: string;
}

export interface GoneAwayConfigErrorOptions {
  /** At least one issue; the first one names the error's `path`. */
  readonly issues: readonly ConfigIssue[];
  readonly cause?: unknown;
}

const HINT = 'Fix the option named above; every option and its default is listed in the README.';
// `received` is a description, but it is shown to users and logged: keep it short.
const MAX_RECEIVED = 80;

function normaliseIssue(issue: ConfigIssue): ConfigIssue {
  const received = String(issue.received);
  return Object.freeze({
    path: String(issue.path),
    expected: String(issue.expected),
    received: received.length > MAX_RECEIVED ? `${received.slice(0, MAX_RECEIVED - 1)}…` : received,
  });
}

function describeIssue(issue: ConfigIssue): string {
  const where = issue.path === '' ? 'goneaway options' : `goneaway option \`${issue.path}\``;
  return `Invalid ${where}: expected ${issue.expected}, received ${issue.received}.`;
}

/** The options given to goneaway are invalid; thrown once, when they are parsed. */
export class GoneAwayConfigError extends GoneAwayError {
  /** Path of the first issue (dotted, `''` for the options object itself). */
  readonly path: string;
  readonly issues: readonly ConfigIssue[];

  constructor(options: GoneAwayConfigErrorOptions) {
    const issues = Object.freeze(
      (options.issues.length > 0
        ? options.issues
        : [{ path: '', expected: 'valid options', received: 'invalid options' }]
      ).map(normaliseIssue),
    );
    const first = issues[0]!;
    const more =
      issues.length > 1
        ? ` (${issues.length - 1} more: ${issues
            .slice(1, 6)
            .map((issue) => (issue.path === '' ? '(options)' : issue.path))
            .join(', ')}${issues.length > 6 ? ', …' : ''})`
        : '';
    super(GONEAWAY_CODES.CONFIG, `${describeIssue(first)}${more} ${HINT}`, HINT, { cause: options.cause });
    this.path = first.path;
    this.issues = issues;
  }

  protected override jsonFields(): Record<string, unknown> {
    return { path: this.path, issues: this.issues };
  }

  static {
    Object.defineProperty(GoneAwayConfigError.prototype, 'name', {
      value: 'GoneAwayConfigError',
      writable: true,
      configurable: true,
    });
  }
}

export function isGoneAwayConfigError(value: unknown): value is GoneAwayConfigError {
  return hasGoneAwayCode(value, GONEAWAY_CODES.CONFIG);
}
