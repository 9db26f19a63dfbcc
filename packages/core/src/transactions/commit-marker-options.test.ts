import { describe, expect, it } from 'vitest';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import {
  DEFAULT_COMMIT_MARKER_TABLE,
  DEFAULT_PRUNE_AFTER_MS,
  parseCommitMarkerOptions,
  quoteTableName,
} from './commit-marker-options.js';

function configError(value: unknown): { path: string; message: string; paths: string[] } {
  try {
    parseCommitMarkerOptions(value);
  } catch (error) {
    expect(isGoneAwayConfigError(error)).toBe(true);
    const e = error as { path: string; message: string; issues: { path: string }[] };
    return { path: e.path, message: e.message, paths: e.issues.map((issue) => issue.path) };
  }
  throw new Error('expected a GoneAwayConfigError');
}

describe('parseCommitMarkerOptions', () => {
  it('is off for undefined and false', () => {
    expect(parseCommitMarkerOptions(undefined)).toBeUndefined();
    expect(parseCommitMarkerOptions(false)).toBeUndefined();
  });

  it('true takes every default: the default table, a one-day prune at most hourly, the adapter budget', () => {
    const settings = parseCommitMarkerOptions(true);
    expect(settings).toEqual({
      table: DEFAULT_COMMIT_MARKER_TABLE,
      quotedTable: '`goneaway_commit_markers`',
      pruneAfterMs: DEFAULT_PRUNE_AFTER_MS,
      pruneIntervalMs: 3_600_000,
      resolveTimeoutMs: undefined,
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('takes a schema-qualified table, a short prune age (which is also its interval) and a resolve timeout', () => {
    expect(
      parseCommitMarkerOptions({ table: 'ops.tx_markers', pruneAfterMs: 60_000, resolveTimeoutMs: 9000 }),
    ).toMatchObject({
      table: 'ops.tx_markers',
      quotedTable: '`ops`.`tx_markers`',
      pruneAfterMs: 60_000,
      pruneIntervalMs: 60_000,
      resolveTimeoutMs: 9000,
    });
    expect(parseCommitMarkerOptions({ pruneAfterMs: false })?.pruneAfterMs).toBe(false);
  });

  it('refuses a table name that would need quoting, never echoing it', () => {
    for (const table of ['x`; DROP TABLE t; --', 'a.b.c', '1abc', '', 'a b', 'a'.repeat(65)]) {
      const { path, message } = configError({ table });
      expect(path).toBe('commitMarker.table');
      expect(message).not.toContain('DROP');
    }
    expect(configError({ table: 42 }).message).toContain('received 42');
  });

  it('refuses bad durations and names the option', () => {
    expect(configError({ pruneAfterMs: 0 }).path).toBe('commitMarker.pruneAfterMs');
    expect(configError({ pruneAfterMs: true }).path).toBe('commitMarker.pruneAfterMs');
    expect(configError({ resolveTimeoutMs: -1 }).path).toBe('commitMarker.resolveTimeoutMs');
    expect(configError({ resolveTimeoutMs: Number.POSITIVE_INFINITY }).path).toBe(
      'commitMarker.resolveTimeoutMs',
    );
    expect(configError({ resolveTimeoutMs: 2 ** 31 }).message).toContain('at most 2147483647');
  });

  it('names an unknown key and suggests the one it resembles; reports every issue', () => {
    const { paths, message } = configError({ tables: 'x', pruneAfterMs: -5 });
    expect(paths).toEqual(['commitMarker.tables', 'commitMarker.pruneAfterMs']);
    expect(message).toContain('did you mean `commitMarker.table`?');
  });

  it('refuses what is neither a boolean nor an object', () => {
    for (const value of ['yes', 1, null, [], () => true]) {
      expect(configError(value).path).toBe('commitMarker');
    }
  });
});

describe('quoteTableName', () => {
  it('quotes each part and refuses anything else', () => {
    expect(quoteTableName('t')).toBe('`t`');
    expect(quoteTableName('db.t')).toBe('`db`.`t`');
    expect(() => quoteTableName('t`x')).toThrow(TypeError);
  });
});
