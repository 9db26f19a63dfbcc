import { scanSql } from './scan-sql.js';

/**
 * What a statement leaves in its session for the statements after it:
 * - `session`: state the application set and relies on (a variable, the default database, a lock, a
 *   temporary table, a prepared statement…): that session can not be swapped for another one;
 * - `next-transaction`: `SET TRANSACTION …` shapes the next transaction only, so it belongs to it.
 */
export type SessionStateEffect = 'session' | 'next-transaction';

/** First keywords whose statement always leaves session state behind. */
const SESSION_HEADS = new Set([
  'USE', // the default database
  'LOCK', // LOCK TABLES, LOCK TABLE, LOCK INSTANCE FOR BACKUP
  'PREPARE', // PREPARE stmt FROM …
  'HANDLER', // HANDLER t OPEN
  'CALL', // a procedure may set anything
  'XA', // an XA transaction outlives its statements
  'BACKUP', // MariaDB BACKUP STAGE / BACKUP LOCK
]);

/** How many leading keywords are read to tell `SET STATEMENT`, `SET TRANSACTION`, `CREATE … TEMPORARY`. */
const LEADING_WORDS = 4;
const MAX_KEYWORD_LENGTH = 24;

/**
 * Whether a statement on a connection the application holds sets state in its session (see
 * SessionStateEffect). `session` for: `SET` (variables, `SET NAMES`, `SET autocommit`, `SET ROLE`,
 * `SET SESSION TRANSACTION`; not MariaDB's per-statement `SET STATEMENT … FOR`), `USE`, `LOCK`,
 * `FLUSH … WITH READ LOCK` / `FOR EXPORT`, `BACKUP`, `PREPARE`, `CREATE [OR REPLACE] TEMPORARY`,
 * `HANDLER`, `CALL`, `XA`, `GET_LOCK(…)` anywhere, a user variable anywhere (`@x`, `:=`, `INTO @x`,
 * `EXECUTE … USING @x`), and more than one statement (not read further). Undefined for everything
 * else, transaction boundaries included (an adapter tracks those itself). Shapes, not grammar: a
 * false `session` only costs a replacement that would have been allowed.
 */
export function sessionStateEffect(sql: string): SessionStateEffect | undefined {
  if (typeof sql !== 'string') return undefined;
  // Every held statement comes through here: most start with a plain keyword that needs no more reading.
  const head = plainFirstWord(sql);
  if (head !== undefined && !LEADING_HEADS.has(head)) return scanBody(sql) ? 'session' : undefined;
  const words: string[] = [];
  scanSql(sql, (kind, start, end) => {
    if (kind === 'space') return true;
    // Leading parentheses: `(SELECT …)`.
    if (kind === 'punct' && words.length === 0 && sql.charCodeAt(start) === 0x28) return true;
    if (kind !== 'word') return false;
    words.push(end - start <= MAX_KEYWORD_LENGTH ? sql.slice(start, end).toUpperCase() : '');
    return words.length < LEADING_WORDS;
  });
  const [first, second] = words;
  if (first === 'SET') {
    if (second === 'STATEMENT') return scanBody(sql) ? 'session' : undefined;
    return second === 'TRANSACTION' ? 'next-transaction' : 'session';
  }
  if (first !== undefined && SESSION_HEADS.has(first)) return 'session';
  if (first === 'CREATE' && words.includes('TEMPORARY')) return 'session';
  if (first === 'FLUSH' && scanBody(sql, FLUSH_LOCKS)) return 'session';
  return scanBody(sql) ? 'session' : undefined;
}

const FLUSH_LOCKS = new Set(['LOCK', 'EXPORT']);
/** First keywords whose statement is read further than its first word. */
const LEADING_HEADS = new Set([...SESSION_HEADS, 'SET', 'CREATE', 'FLUSH']);

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * The first keyword, upper-cased, when the text starts with one after plain whitespace; undefined
 * when it starts otherwise (a comment, a parenthesis), which the full scanner then reads.
 */
function plainFirstWord(sql: string): string | undefined {
  let start = 0;
  while (start < sql.length && sql.charCodeAt(start) <= 0x20) start++;
  let end = start;
  while (end < sql.length && isLetter(sql.charCodeAt(end))) end++;
  if (end === start || end - start > MAX_KEYWORD_LENGTH) return undefined;
  const next = sql.charCodeAt(end);
  // `SET@x`, `x_y`, `x1`: not a plain keyword followed by a separator.
  if (next === 0x5f || (next >= 0x30 && next <= 0x39) || next === 0x24 || next >= 0x80) return undefined;
  return sql.slice(start, end).toUpperCase();
}

/**
 * The whole text, read only when a cheap look says it may matter (an `@`, a `;`, `GET_LOCK`): a user
 * variable, GET_LOCK, a second statement, or one of `extraWords`.
 */
function scanBody(sql: string, extraWords?: ReadonlySet<string>): boolean {
  if (extraWords === undefined && !sql.includes('@') && !sql.includes(';') && !GET_LOCK.test(sql)) {
    return false;
  }
  let found = false;
  let afterSemicolon = false;
  let atEnd = -1;
  scanSql(sql, (kind, start, end) => {
    if (kind === 'space') return true;
    if (afterSemicolon) {
      found = true;
      return false;
    }
    if (kind === 'punct') {
      const c = sql.charCodeAt(start);
      if (c === 0x3b /* ; */) afterSemicolon = true;
      else if (c === 0x40 /* @ */) {
        // `@@x` is a system variable: only a single `@` names a user variable.
        atEnd = atEnd === start ? -1 : end;
      }
      return true;
    }
    if (atEnd === start) {
      found = true;
      return false;
    }
    atEnd = -1;
    if (kind === 'word' && end - start <= MAX_KEYWORD_LENGTH) {
      const word = sql.slice(start, end).toUpperCase();
      if (word === 'GET_LOCK' || extraWords?.has(word)) {
        found = true;
        return false;
      }
    }
    return true;
  });
  return found;
}

const GET_LOCK = /get_lock/i;
