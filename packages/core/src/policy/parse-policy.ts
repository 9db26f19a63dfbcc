import type * as z from 'zod';
import { type ConfigIssue, GoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { deepFreeze } from './deep-freeze.js';
import { describeReceived } from './describe-received.js';
import { didYouMean } from './did-you-mean.js';
import type { GoneAwayOptions, Policy } from './options.js';
import { EXPECTED, KNOWN_KEYS, policySchema, WORD_VALUES } from './policy-schema.js';

/**
 * Validates, defaults and freezes goneaway options. Call it once per instance and pass the result
 * around: a Policy is an immutable value. Throws GoneAwayConfigError (code `GONEAWAY_CONFIG`) naming
 * the first bad option, what it accepts and what it got; every problem is in `error.issues`.
 */
export function parsePolicy(options?: GoneAwayOptions): Policy;
export function parsePolicy(options: unknown): Policy;
export function parsePolicy(options?: unknown): Policy {
  let result: ReturnType<typeof policySchema.safeParse>;
  try {
    result = policySchema.safeParse(options === undefined ? {} : options);
  } catch (error) {
    // A getter or proxy in the options threw while zod read it: still a configuration problem.
    const issues = [
      { path: '', expected: EXPECTED['']!, received: 'an object whose properties cannot be read' },
    ];
    throw new GoneAwayConfigError({ issues, cause: error });
  }
  // No cast: the compiler checks that the schema's output is a Policy (policy-schema.test-d.ts checks it is exactly one).
  if (result.success) return deepFreeze(result.data);
  const issues = result.error.issues.flatMap((issue) => toConfigIssues(issue, options));
  throw new GoneAwayConfigError({ issues });
}

/** The defaults, frozen: what `parsePolicy()` returns. */
export const DEFAULT_POLICY: Policy = parsePolicy();

function toConfigIssues(issue: z.core.$ZodIssue, options: unknown): ConfigIssue[] {
  const segments = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => unknownKeyIssue(segments, key));
  }
  const path = segments.join('.');
  const value = valueAt(options, segments);
  const received = describeReceived(value);
  const expected = issue.code === 'custom' ? issue.message : (EXPECTED[path] ?? issue.message);
  // A near miss of a word option is named by the word it resembles, never by echoing what was given.
  const near = typeof value === 'string' ? didYouMean(value, WORD_VALUES[path] ?? []) : undefined;
  return [
    { path, expected: near === undefined ? expected : `${expected} (did you mean '${near}'?)`, received },
  ];
}

function unknownKeyIssue(parent: string[], key: string): ConfigIssue {
  const parentPath = parent.join('.');
  const printable = key.replace(/[^\x20-\x7e]/g, '?');
  const shown = printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
  const path = parentPath === '' ? shown : `${parentPath}.${shown}`;
  const sibling = didYouMean(key, KNOWN_KEYS[parentPath] ?? []);
  // An option put at the wrong level (`initialDelayMs` at the top) is found by its exact name.
  const elsewhere =
    sibling === undefined
      ? Object.keys(EXPECTED).find((known) => known.split('.').at(-1)?.toLowerCase() === key.toLowerCase())
      : undefined;
  const suggestion =
    sibling === undefined ? elsewhere : parentPath === '' ? sibling : `${parentPath}.${sibling}`;
  const expected =
    suggestion === undefined
      ? `one of the known options (${(KNOWN_KEYS[parentPath] ?? []).join(', ')})`
      : `a known option (did you mean \`${suggestion}\`?)`;
  return { path, expected, received: 'an unknown option' };
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let value = root;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}
