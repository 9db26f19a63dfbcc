import { scanSql } from './scan-sql.js';

/** Statements that only read, as their first keyword. */
const READ_STARTS = new Set(['SELECT', 'SHOW', 'EXPLAIN', 'DESCRIBE', 'DESC', 'WITH', 'TABLE', 'VALUES']);
/** Keywords that make a statement write when they head its main part (after WITH, EXPLAIN ANALYZE). */
const WRITE_HEADS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'CALL',
  'DO',
  'SET',
  'LOAD',
  'HANDLER',
]);
/** What may head the main part of a WITH or an EXPLAIN ANALYZE for it to read only. */
const QUERY_HEADS = new Set(['SELECT', 'TABLE', 'VALUES']);
/**
 * Functions that take locks, advance sequences or read per-session state: running them again, on
 * another connection after the first one died, does not give the same result.
 */
const SESSION_FUNCTIONS = new Set([
  'GET_LOCK',
  'RELEASE_LOCK',
  'RELEASE_ALL_LOCKS',
  'NEXTVAL',
  'SETVAL',
  'LASTVAL',
  'LAST_INSERT_ID',
  'FOUND_ROWS',
  'ROW_COUNT',
]);
/**
 * What the previous statement left in the session (its warnings and errors): on another connection
 * the answer is silently empty. `SHOW WARNINGS`, `SHOW ERRORS`, `SHOW COUNT(*) WARNINGS`, and the
 * system variables `@@warning_count`, `@@error_count`.
 */
const PREVIOUS_STATEMENT_WORDS = new Set(['WARNINGS', 'ERRORS']);
const PREVIOUS_STATEMENT_VARIABLES = new Set(['WARNING_COUNT', 'ERROR_COUNT']);
// Keywords are short; longer words are never compared, so they are never copied either.
const MAX_KEYWORD_LENGTH = 24;

/**
 * True when raw SQL only reads and gives the same answer on any connection, so it may run again after
 * its connection died mid-flight: SELECT, SHOW, EXPLAIN, DESCRIBE/DESC, TABLE, VALUES, WITH … SELECT,
 * with leading parentheses, whitespace and comments allowed.
 *
 * False for anything that writes, locks or depends on the session: FOR UPDATE, FOR SHARE, LOCK IN
 * SHARE MODE, INTO (OUTFILE, DUMPFILE, variables), user variables (`@x`, `:=`), GET_LOCK and friends,
 * sequences (NEXTVAL, NEXT VALUE FOR), LAST_INSERT_ID, FOUND_ROWS, ROW_COUNT, SHOW WARNINGS / ERRORS,
 * `@@warning_count` / `@@error_count`, EXPLAIN ANALYZE of a
 * write, more than one statement, and SQL it cannot read to the end (an unclosed quote or comment).
 * Executable comments (`/*! … *\/`, `/*M! … *\/`) count as code. Linear time, no allocation per token.
 */
export function isReadOnlyStatement(sql: string): boolean {
  if (typeof sql !== 'string') return false;

  let readOnly = true;
  let first: string | undefined;
  let depth = 0;
  let previousWord: string | undefined;
  let previousPunct = 0;
  let previousPunctEnd = -1;
  let afterSemicolon = false;
  // WITH and EXPLAIN ANALYZE: the statement reads only if its main part (at depth 0) is a query.
  let needsQueryHead = false;
  let queryHeadFound = false;
  let explainPending = false;

  scanSql(sql, (kind, start, end, terminated) => {
    if (!terminated) {
      readOnly = false;
      return false;
    }
    if (kind === 'space') return true;
    if (afterSemicolon) {
      readOnly = false;
      return false;
    }

    if (kind === 'punct') {
      const c = sql.charCodeAt(start);
      const adjacent = previousPunctEnd === start;
      // Only opening parentheses may come before the first keyword: `(SELECT …) UNION (SELECT …)`.
      if (first === undefined && c !== 0x28) {
        readOnly = false;
        return false;
      }
      if (c === 0x3b /* ; */) afterSemicolon = true;
      else if (c === 0x28 /* ( */) depth++;
      else if (c === 0x29 /* ) */) depth--;
      else if (c === 0x3d /* = */ && adjacent && previousPunct === 0x3a /* : */) {
        readOnly = false;
        return false;
      }
      previousPunct = c;
      previousPunctEnd = end;
      previousWord = undefined;
      return true;
    }

    // A user variable: `@x`, `@'x'`, `` @`x` `` (but not the system variables `@@x`).
    if (previousPunct === 0x40 /* @ */ && previousPunctEnd === start) {
      const beforeAt = start - 2 >= 0 ? sql.charCodeAt(start - 2) : 0;
      if (
        beforeAt !== 0x40 ||
        (end - start <= MAX_KEYWORD_LENGTH &&
          PREVIOUS_STATEMENT_VARIABLES.has(sql.slice(start, end).toUpperCase()))
      ) {
        readOnly = false;
        return false;
      }
    }
    previousPunct = 0;
    previousPunctEnd = -1;

    if (kind !== 'word') {
      if (first === undefined) {
        readOnly = false;
        return false;
      }
      previousWord = undefined;
      return true;
    }

    const word = end - start <= MAX_KEYWORD_LENGTH ? sql.slice(start, end).toUpperCase() : '';

    if (first === undefined) {
      if (!READ_STARTS.has(word)) {
        readOnly = false;
        return false;
      }
      first = word;
      needsQueryHead = word === 'WITH';
      explainPending = word === 'EXPLAIN' || word === 'DESCRIBE' || word === 'DESC';
      previousWord = word;
      return true;
    }

    if (explainPending) {
      explainPending = false;
      // EXPLAIN ANALYZE (MySQL 8) runs the statement it explains.
      if (word === 'ANALYZE') needsQueryHead = true;
    }

    if (
      word === 'INTO' ||
      SESSION_FUNCTIONS.has(word) ||
      (first === 'SHOW' && PREVIOUS_STATEMENT_WORDS.has(word)) ||
      (previousWord === 'FOR' && (word === 'UPDATE' || word === 'SHARE')) ||
      (previousWord === 'LOCK' && word === 'IN') ||
      ((previousWord === 'NEXT' || previousWord === 'PREVIOUS') && word === 'VALUE')
    ) {
      readOnly = false;
      return false;
    }

    if (needsQueryHead && !queryHeadFound && depth === 0) {
      if (WRITE_HEADS.has(word)) {
        readOnly = false;
        return false;
      }
      if (QUERY_HEADS.has(word)) queryHeadFound = true;
    }

    previousWord = word;
    return true;
  });

  return readOnly && first !== undefined && (!needsQueryHead || queryHeadFound);
}
