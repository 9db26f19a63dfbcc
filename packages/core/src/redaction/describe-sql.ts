import { scanSql } from '../statements/scan-sql.js';

/** How much SQL shape goneaway puts in messages and events by default. */
export const DEFAULT_SQL_SHAPE_LENGTH = 200;

const ELLIPSIS = '…';

/**
 * The shape of a statement, safe for messages, logs and events: every string, hex, bit and numeric
 * literal becomes `?`, comments go, whitespace folds to one space, backtick identifiers and keywords
 * stay, and the result is cut to `maxLength` characters (ending with `…` when cut).
 *
 * Linear in the input and it stops reading once the output is full, so a statement carrying a
 * 64 MB blob costs one scan of the blob and no copy of it.
 */
export function describeSql(sql: string, maxLength: number = DEFAULT_SQL_SHAPE_LENGTH): string {
  if (typeof sql !== 'string' || sql.length === 0) return '';
  const limit = Number.isFinite(maxLength) ? Math.max(1, Math.floor(maxLength)) : DEFAULT_SQL_SHAPE_LENGTH;
  let out = '';
  let pendingSpace = false;
  let truncated = false;

  scanSql(sql, (kind, start, end) => {
    if (kind === 'space') {
      pendingSpace = out.length > 0;
      return true;
    }
    if (pendingSpace) {
      out += ' ';
      pendingSpace = false;
    }
    if (kind === 'literal' || kind === 'number') {
      out += '?';
    } else {
      // A bare word can be megabytes long too: copy no more than still fits.
      out += sql.slice(start, Math.min(end, start + limit - out.length + 1));
    }
    if (out.length > limit) {
      truncated = true;
      return false;
    }
    return true;
  });

  if (!truncated) return out;
  return `${out.slice(0, limit - 1).trimEnd()}${ELLIPSIS}`;
}
