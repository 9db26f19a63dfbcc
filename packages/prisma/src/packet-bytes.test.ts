import { describe, expect, it } from 'vitest';
import { LONG_DATA_THRESHOLD, largestPacketBytes } from './packet-bytes.js';

describe('largestPacketBytes', () => {
  it('a large Buffer through execute travels alone in a long-data packet: 7 bytes + the value', () => {
    const blob = Buffer.alloc(2 * 1024 * 1024);
    expect(largestPacketBytes('execute', 'insert into t (body) values (?)', [blob])).toBe(7 + blob.length);
  });

  it('small values share the COM_STMT_EXECUTE packet with their length prefixes', () => {
    const small = Buffer.alloc(LONG_DATA_THRESHOLD - 1);
    const bytes = largestPacketBytes('execute', 'insert into t (k, body) values (?, ?)', ['abc', small]);
    // 10 fixed + 1 bitmap + 1 flag + 4 types + (1 + 3) + (3 + 16383)
    expect(bytes).toBe(10 + 1 + 1 + 4 + 4 + 3 + small.length);
  });

  it('counts strings in UTF-8 bytes, and the SQL of the prepare packet', () => {
    const sql = `select '${'é'.repeat(1000)}'`;
    expect(largestPacketBytes('execute', sql, [])).toBe(1 + Buffer.byteLength(sql));
    expect(largestPacketBytes('query', 'select ?', ['€'])).toBe(1 + 8 + 3);
  });
});
