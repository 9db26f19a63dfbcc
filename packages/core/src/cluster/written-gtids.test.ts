import { describe, expect, it } from 'vitest';
import { lastGtidOf, WrittenGtids } from './written-gtids.js';

describe('lastGtidOf', () => {
  it("reads the OK packet's last_gtid from a result header or mysql2's [header, fields]", () => {
    const header = { affectedRows: 1, stateChanges: { systemVariables: { last_gtid: '0-7-6' } } };
    expect(lastGtidOf(header)).toBe('0-7-6');
    expect(lastGtidOf([header, undefined])).toBe('0-7-6');
  });

  it('ignores results without one, and anything that is not a GTID', () => {
    expect(lastGtidOf([{ id: 1 }])).toBeUndefined();
    expect(lastGtidOf(undefined)).toBeUndefined();
    expect(lastGtidOf({ stateChanges: { systemVariables: { last_gtid: '' } } })).toBeUndefined();
    expect(lastGtidOf({ stateChanges: { systemVariables: { last_gtid: "0-1-2'); DROP" } } })).toBeUndefined();
  });
});

describe('WrittenGtids', () => {
  it('keeps the newest GTID per domain; the version goes up only with a newer one', () => {
    const written = new WrittenGtids();
    expect(written.position()).toBeUndefined();
    expect(written.version).toBe(0);
    written.note('0-1-5');
    written.note('0-1-4');
    expect(written.position()).toBe('0-1-5');
    expect(written.version).toBe(1);
    written.note('1-2-9');
    written.note('0-2-6');
    expect(written.position()).toBe('0-2-6,1-2-9');
    expect(written.version).toBe(3);
    written.note('garbage');
    expect(written.version).toBe(3);
  });
});
