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
