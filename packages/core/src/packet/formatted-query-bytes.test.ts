import { describe, expect, it } from 'vitest';
import { formattedQueryBytes, queryBytesCeiling } from './formatted-query-bytes.js';

/** \0 \b \t \n \r \x1a " ' \\: the characters sql-escaper prefixes with a backslash. */
const ESCAPED = new Set([0, 8, 9, 10, 13, 26, 34, 39, 92]);

// A formatter with mysql2's escaping rules for the value types measured arithmetically.
function format(sql: string, values: unknown[]): string {
  let index = 0;
  return sql.replace(/\?/g, () => {
    const value = values[index++];
    if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
    if (typeof value === 'string') {
      let escaped = '';
      for (const c of value) escaped += ESCAPED.has(c.charCodeAt(0)) ? `\\${c}` : c;
      return `'${escaped}'`;
    }
    return String(value);
  });
}

describe('formattedQueryBytes', () => {
  it('equals the byte length of the formatted SQL, large values measured without formatting them', () => {
    const big = Buffer.alloc(100_000, 0xab);
    const text = `${'it\'s \\ a "quoted"\n'.repeat(2_000)}é€`;
    const sql = 'insert into t (a, b, c) values (?, ?, ?)';
    const values = [big, text, 42];
    expect(formattedQueryBytes(sql, values, format)).toBe(Buffer.byteLength(format(sql, values), 'utf8'));
  });

  it('has a ceiling never below the real size', () => {
    const values = ['é'.repeat(10), Buffer.alloc(10), 7, null];
    const sql = 'select ?, ?, ?, ?';
    expect(queryBytesCeiling(sql, values)).toBeGreaterThanOrEqual(formattedQueryBytes(sql, values, format));
    expect(queryBytesCeiling(sql, [{ a: 1 }])).toBe(Number.POSITIVE_INFINITY);
  });
});
