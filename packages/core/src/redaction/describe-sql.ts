import { scanSql } from '../statements/scan-sql.js';
import { SQL_KEYWORDS } from './sql-keywords.js';

/** How much SQL shape goneaway puts in messages and events by default. */
export const DEFAULT_SQL_SHAPE_LENGTH = 200;

const ELLIPSIS = '…';

/**
 * The shape of a statement, safe for messages, logs and events: every string, hex, bit and numeric
 * literal becomes `?`, every name (a backtick identifier, or a word that is not a keyword or a
 * built-in function) becomes `` `?` ``, comments go, whitespace folds to one space, and the result is
 * cut to `maxLength` characters (ending with `…` when cut). What stays says what the statement does
 * (`insert into `?` (`?`, `?`) values (?, ?)`); nothing a user could have typed survives.
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
    } else if (kind === 'identifier' || (kind === 'word' && !isKeyword(sql, start, end))) {
      out += '`?`';
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

/** The longest keyword is short: a longer word is a name without looking it up (and without copying it). */
const LONGEST_KEYWORD = 20;

function isKeyword(sql: string, start: number, end: number): boolean {
  if (end - start > LONGEST_KEYWORD) return false;
  return SQL_KEYWORDS.has(sql.slice(start, end).toLowerCase());
}
