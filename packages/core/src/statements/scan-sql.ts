/**
 * What a stretch of SQL text is, as far as goneaway cares: shapes, not grammar.
 * - `word`: a keyword or a bare identifier (`select`, `t1`, `_utf8mb4`, `1abc`).
 * - `number`: a numeric literal (`1`, `1.5e3`, `.5`).
 * - `literal`: a string, hex or bit literal (`'a'`, `"a"`, `0xFF`, `x'FF'`, `b'01'`, `N'a'`).
 * - `identifier`: a backtick-quoted identifier.
 * - `space`: whitespace, a comment, or the markers of an executable comment (`/*!50100`, `*\/`).
 * - `punct`: any other single character.
 */
export type SqlTokenKind = 'word' | 'number' | 'literal' | 'identifier' | 'space' | 'punct';

/**
 * Called once per token with its kind and `[start, end)` offsets. `terminated` is false for a literal,
 * identifier or comment that runs to the end of the text without closing. Return `false` to stop.
 */
export type SqlTokenVisitor = (
  kind: SqlTokenKind,
  start: number,
  end: number,
  terminated: boolean,
) => boolean;

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const VT = 0x0b;
const FF = 0x0c;
const CR = 0x0d;
const HASH = 0x23;
const DOLLAR = 0x24;
const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const STAR = 0x2a;
const SLASH = 0x2f;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const BANG = 0x21;
const UNDERSCORE = 0x5f;

function isWhitespace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || c === VT || c === FF;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** MySQL unquoted identifiers: ASCII letters, digits, `$`, `_`, and anything from U+0080 up. */
function isWordChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === UNDERSCORE || c === DOLLAR || c >= 0x80;
}

function skipWordChars(sql: string, from: number): number {
  let i = from;
  while (i < sql.length && isWordChar(sql.charCodeAt(i))) i++;
  return i;
}

/**
 * End of a quoted run that starts with the quote at `start`: a doubled quote or a backslash escapes
 * it. `indexOf` keeps this linear and native-fast on multi-megabyte literals. Returns -1 when the
 * quote never closes.
 */
function endOfQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let from = start + 1;
  for (;;) {
    const close = sql.indexOf(quote, from);
    if (close < 0) return -1;
    if (backslashEscapes) {
      // `from` always follows a quote, so a run of backslashes before `close` starts at or after it.
      let backslashes = 0;
      for (let j = close - 1; j >= from && sql.charCodeAt(j) === BACKSLASH; j--) backslashes++;
      if (backslashes % 2 === 1) {
        from = close + 1;
        continue;
      }
    }
    if (sql.charCodeAt(close + 1) === quote.charCodeAt(0)) {
      from = close + 2;
      continue;
    }
    return close + 1;
  }
}

/** `/*!`, `/*!50100`, `/*M!`, `/*M!100100`: MySQL and MariaDB run what follows as code. */
function executableCommentMarkerEnd(sql: string, start: number): number {
  let i = start + 2;
  const c = sql.charCodeAt(i);
  if (c === 0x4d /* M */ && sql.charCodeAt(i + 1) === BANG) i += 2;
  else if (c === BANG) i += 1;
  else return -1;
  while (i < sql.length && isDigit(sql.charCodeAt(i))) i++;
  return i;
}

/**
 * Walks `sql` once, left to right, reporting every token. Linear in the length of the text, and
 * it never copies the text: callers slice only what they keep.
 */
export function scanSql(sql: string, visit: SqlTokenVisitor): void {
  const length = sql.length;
  let i = 0;
  let inExecutableComment = false;
  // `.5` is a number, but in `t.5` it is part of a qualified name: remember what touches the dot.
  let previousKind: SqlTokenKind | undefined;
  let previousEnd = -1;

  const emit = (kind: SqlTokenKind, start: number, end: number, terminated = true): boolean => {
    if (kind !== 'space') {
      previousKind = kind;
      previousEnd = end;
    }
    return visit(kind, start, end, terminated);
  };

  while (i < length) {
    const start = i;
    const c = sql.charCodeAt(i);
    const next = i + 1 < length ? sql.charCodeAt(i + 1) : Number.NaN;

    if (isWhitespace(c)) {
      i++;
      while (i < length && isWhitespace(sql.charCodeAt(i))) i++;
      if (!emit('space', start, i)) return;
      continue;
    }

    if (c === HASH || (c === MINUS && next === MINUS && !(i + 2 < length && sql.charCodeAt(i + 2) > SPACE))) {
      const newline = sql.indexOf('\n', i);
      i = newline < 0 ? length : newline + 1;
      if (!emit('space', start, i)) return;
      continue;
    }

    if (c === SLASH && next === STAR) {
      const markerEnd = executableCommentMarkerEnd(sql, i);
      if (markerEnd >= 0 && !inExecutableComment) {
        inExecutableComment = true;
        i = markerEnd;
        if (!emit('space', start, i)) return;
        continue;
      }
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? length : close + 2;
      if (!emit('space', start, i, close >= 0)) return;
      continue;
    }

    if (c === STAR && next === SLASH && inExecutableComment) {
      inExecutableComment = false;
      i += 2;
      if (!emit('space', start, i)) return;
      continue;
    }

    if (c === SINGLE_QUOTE || c === DOUBLE_QUOTE) {
      const end = endOfQuoted(sql, i, c === SINGLE_QUOTE ? "'" : '"', true);
      i = end < 0 ? length : end;
      if (!emit('literal', start, i, end >= 0)) return;
      continue;
    }

    if (c === BACKTICK) {
      const end = endOfQuoted(sql, i, '`', false);
      i = end < 0 ? length : end;
      if (!emit('identifier', start, i, end >= 0)) return;
      continue;
    }

    // x'..', b'..', n'..': hex, bit and national string literals.
    if (
      next === SINGLE_QUOTE &&
      (c === 0x78 || c === 0x58 || c === 0x62 || c === 0x42 || c === 0x6e || c === 0x4e)
    ) {
      const end = endOfQuoted(sql, i + 1, "'", c === 0x6e || c === 0x4e);
      i = end < 0 ? length : end;
      if (!emit('literal', start, i, end >= 0)) return;
      continue;
    }

    // 0x.. and 0b..: hex and bit literals, unless more word characters make it an identifier.
    if (c === 0x30 && (next === 0x78 || next === 0x62)) {
      let j = i + 2;
      if (next === 0x78) while (j < length && isHexDigit(sql.charCodeAt(j))) j++;
      else while (j < length && (sql.charCodeAt(j) === 0x30 || sql.charCodeAt(j) === 0x31)) j++;
      if (j > i + 2 && !(j < length && isWordChar(sql.charCodeAt(j)))) {
        i = j;
        if (!emit('literal', start, i)) return;
        continue;
      }
      i = skipWordChars(sql, j);
      if (!emit('word', start, i)) return;
      continue;
    }

    const qualifies = previousEnd === i && (previousKind === 'word' || previousKind === 'identifier');
    if (isDigit(c) || (c === DOT && isDigit(next) && !qualifies)) {
      let j = i;
      while (j < length && isDigit(sql.charCodeAt(j))) j++;
      if (j < length && sql.charCodeAt(j) === DOT) {
        j++;
        while (j < length && isDigit(sql.charCodeAt(j))) j++;
      }
      const e = sql.charCodeAt(j);
      if (e === 0x65 || e === 0x45) {
        let k = j + 1;
        const sign = sql.charCodeAt(k);
        if (sign === PLUS || sign === MINUS) k++;
        if (isDigit(sql.charCodeAt(k))) {
          while (k < length && isDigit(sql.charCodeAt(k))) k++;
          j = k;
        }
      }
      if (j < length && isWordChar(sql.charCodeAt(j)) && c !== DOT) {
        // `1abc`, `123e`: MySQL reads an identifier that merely starts with digits.
        i = skipWordChars(sql, j);
        if (!emit('word', start, i)) return;
        continue;
      }
      i = j;
      if (!emit('number', start, i)) return;
      continue;
    }

    if (isWordChar(c)) {
      i = skipWordChars(sql, i + 1);
      if (!emit('word', start, i)) return;
      continue;
    }

    i++;
    if (!emit('punct', start, i)) return;
  }
}
