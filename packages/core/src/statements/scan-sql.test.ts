import { describe, expect, it } from 'vitest';
import { type SqlTokenKind, scanSql } from './scan-sql.js';

function tokens(sql: string): [SqlTokenKind, string, boolean][] {
  const out: [SqlTokenKind, string, boolean][] = [];
  scanSql(sql, (kind, start, end, terminated) => {
    out.push([kind, sql.slice(start, end), terminated]);
    return true;
  });
  return out;
}

describe('scanSql', () => {
  it('covers the whole text with adjacent tokens', () => {
    const sql = "select `a`, 'b''c', 0x1F, 1.5e3 /* c */ from t -- x\n# y\nwhere z = ?;";
    let expected = 0;
    scanSql(sql, (_kind, start, end) => {
      expect(start).toBe(expected);
      expect(end).toBeGreaterThan(start);
      expected = end;
      return true;
    });
    expect(expected).toBe(sql.length);
  });

  it('tells the kinds apart', () => {
    expect(
      tokens("a1 `b c` 'd' \"e\" 0x1f x'2a' b'1' N'n' 12 .5 1abc ( ;").filter((t) => t[0] !== 'space'),
    ).toEqual([
      ['word', 'a1', true],
      ['identifier', '`b c`', true],
      ['literal', "'d'", true],
      ['literal', '"e"', true],
      ['literal', '0x1f', true],
      ['literal', "x'2a'", true],
      ['literal', "b'1'", true],
      ['literal', "N'n'", true],
      ['number', '12', true],
      ['number', '.5', true],
      ['word', '1abc', true],
      ['punct', '(', true],
      ['punct', ';', true],
    ]);
  });

  it('keeps qualified names apart from decimals', () => {
    expect(tokens('t.c1').map((t) => t[1])).toEqual(['t', '.', 'c1']);
    expect(tokens('`t`.5').map((t) => t[0])).toEqual(['identifier', 'punct', 'number']);
    expect(tokens('0xZZ')).toEqual([['word', '0xZZ', true]]);
  });

  it('reads comments the way MySQL does', () => {
    expect(tokens('--x').map((t) => t[0])).toEqual(['punct', 'punct', 'word']);
    expect(tokens('-- x').map((t) => t[0])).toEqual(['space']);
    expect(tokens('--\tx\ny').map((t) => t[0])).toEqual(['space', 'word']);
    expect(tokens('/*! a */').map((t) => t[0])).toEqual(['space', 'space', 'word', 'space', 'space']);
    expect(tokens('/*M!100100 a*/').map((t) => t[1])).toEqual(['/*M!100100', ' ', 'a', '*/']);
    expect(tokens('a */ b').map((t) => t[0])).toEqual(['word', 'space', 'punct', 'punct', 'space', 'word']);
  });

  it('flags what never closes', () => {
    expect(tokens("'abc")).toEqual([['literal', "'abc", false]]);
    expect(tokens('`abc')).toEqual([['identifier', '`abc', false]]);
    expect(tokens('/* abc')).toEqual([['space', '/* abc', false]]);
    expect(tokens("'a\\'")).toEqual([['literal', "'a\\'", false]]);
  });

  it('stops when the visitor says so', () => {
    let seen = 0;
    scanSql('a b c d', () => {
      seen++;
      return seen < 2;
    });
    expect(seen).toBe(2);
  });
});
