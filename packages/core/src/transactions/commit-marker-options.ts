import { type ConfigIssue, GoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { describeReceived } from '../policy/describe-received.js';
import { didYouMean } from '../policy/did-you-mean.js';
import { MAX_TIMER_MS } from '../policy/policy-schema.js';

/** `commitMarker: true` or these options turn the commit marker on for `withTransactionRetry`. */
export interface CommitMarkerOptions {
  /**
   * The marker table, `name` or `schema.name` (letters, digits, `_`, `$`). Created on first use when
   * missing (that needs CREATE); a pre-created table needs only SELECT, INSERT and DELETE.
   * Default `goneaway_commit_markers`, in the connection's database.
   */
  readonly table?: string;
  /** Markers older than this are deleted by a periodic prune (at most once an hour); `false` never prunes. Default one day. */
  readonly pruneAfterMs?: number | false;
  /**
   * How long resolving a lost COMMIT may take (the server may be restarting meanwhile). Past it the
   * outcome is still unknown and `CommitOutcomeUnknownError` is thrown. Default: the instance's outage budget.
   */
  readonly resolveTimeoutMs?: number;
}

/** CommitMarkerOptions validated, with defaults applied. */
export interface CommitMarkerSettings {
  /** The table as given (or the default), unquoted. */
  readonly table: string;
  /** The table quoted for SQL: `` `schema`.`name` ``. */
  readonly quotedTable: string;
  readonly pruneAfterMs: number | false;
  /** How often the prune runs at most: the prune age, at most an hour. */
  readonly pruneIntervalMs: number;
  /** undefined: the adapter supplies its outage budget. */
  readonly resolveTimeoutMs: number | undefined;
}

export const DEFAULT_COMMIT_MARKER_TABLE = 'goneaway_commit_markers';
export const DEFAULT_PRUNE_AFTER_MS = 86_400_000;
const MAX_PRUNE_INTERVAL_MS = 3_600_000;

const KNOWN_KEYS = ['table', 'pruneAfterMs', 'resolveTimeoutMs'] as const;
// Unquoted identifiers only: the name is put into SQL text, so anything that would need escaping is refused.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,63}$/;
const TIMER_NOTE = `(at most ${MAX_TIMER_MS})`;

/**
 * Validates the `commitMarker` option: `undefined`/`false` turn it off (undefined is returned), `true`
 * takes every default, an object may set `table`, `pruneAfterMs` and `resolveTimeoutMs`. Throws
 * GoneAwayConfigError naming the bad key, what it accepts and what it got.
 */
export function parseCommitMarkerOptions(
  value: unknown,
  path = 'commitMarker',
): CommitMarkerSettings | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return settingsFrom({});
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GoneAwayConfigError({
      issues: [
        {
          path,
          expected: 'true, false or an object { table?, pruneAfterMs?, resolveTimeoutMs? }',
          received: describeReceived(value),
        },
      ],
    });
  }
  const options = value as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(options)) {
    if ((KNOWN_KEYS as readonly string[]).includes(key)) continue;
    const near = didYouMean(key, KNOWN_KEYS);
    issues.push({
      path: `${path}.${key.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}`,
      expected:
        near === undefined
          ? `one of the known options (${KNOWN_KEYS.join(', ')})`
          : `a known option (did you mean \`${path}.${near}\`?)`,
      received: 'an unknown option',
    });
  }
  const { table, pruneAfterMs, resolveTimeoutMs } = options;
  if (table !== undefined && !(typeof table === 'string' && isTableName(table))) {
    issues.push({
      path: `${path}.table`,
      expected:
        'a table name, `name` or `schema.name`, each part letters, digits, `_` or `$` (not starting with a digit or `$`), at most 64 characters',
      received: describeReceived(table),
    });
  }
  if (pruneAfterMs !== undefined && pruneAfterMs !== false && !isPositiveMs(pruneAfterMs)) {
    issues.push({
      path: `${path}.pruneAfterMs`,
      expected: `false or a positive number of milliseconds ${TIMER_NOTE}`,
      received: describeReceived(pruneAfterMs),
    });
  }
  if (resolveTimeoutMs !== undefined && !isPositiveMs(resolveTimeoutMs)) {
    issues.push({
      path: `${path}.resolveTimeoutMs`,
      expected: `a positive number of milliseconds ${TIMER_NOTE}`,
      received: describeReceived(resolveTimeoutMs),
    });
  }
  if (issues.length > 0) throw new GoneAwayConfigError({ issues });
  return settingsFrom({
    table: table as string | undefined,
    pruneAfterMs: pruneAfterMs as number | false | undefined,
    resolveTimeoutMs: resolveTimeoutMs as number | undefined,
  });
}

/** `` `schema`.`name` `` for a name that passed validation. */
export function quoteTableName(table: string): string {
  if (!isTableName(table)) throw new TypeError('quoteTableName: not a plain table name');
  return table
    .split('.')
    .map((part) => `\`${part}\``)
    .join('.');
}

function isTableName(table: string): boolean {
  const parts = table.split('.');
  return parts.length <= 2 && parts.every((part) => IDENTIFIER.test(part));
}

function isPositiveMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMER_MS;
}

function settingsFrom(options: {
  table?: string | undefined;
  pruneAfterMs?: number | false | undefined;
  resolveTimeoutMs?: number | undefined;
}): CommitMarkerSettings {
  const table = options.table ?? DEFAULT_COMMIT_MARKER_TABLE;
  const pruneAfterMs = options.pruneAfterMs ?? DEFAULT_PRUNE_AFTER_MS;
  return Object.freeze({
    table,
    quotedTable: quoteTableName(table),
    pruneAfterMs,
    pruneIntervalMs:
      pruneAfterMs === false ? MAX_PRUNE_INTERVAL_MS : Math.min(pruneAfterMs, MAX_PRUNE_INTERVAL_MS),
    resolveTimeoutMs: options.resolveTimeoutMs,
  });
}
