import { describe, expect, it } from 'vitest';
import { describeError } from './describe-error.js';

describe('describeError', () => {
  it('keeps the identifiers of a mysql2 error and drops its message and SQL', () => {
    const err = Object.assign(new Error("Duplicate entry 'secret' for key 'PRIMARY'"), {
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      sqlState: '23000',
      sqlMessage: "Duplicate entry 'secret' for key 'PRIMARY'",
      sql: "insert into t values ('secret')",
      fatal: false,
    });
    const summary = describeError(err);
    expect(summary).toEqual({
      name: 'Error',
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      sqlState: '23000',
      fatal: false,
      syscall: undefined,
    });
    expect(JSON.stringify(summary)).not.toContain('secret');
  });

  it('keeps a numeric code (an ERR packet mysql2 received while idle)', () => {
    expect(describeError({ code: 4031 }).code).toBe(4031);
  });

  it('drops fields that do not look like identifiers', () => {
    expect(describeError({ code: "password='hunter2'", name: 'x y', syscall: 'a'.repeat(100) })).toEqual({
      name: undefined,
      code: undefined,
      errno: undefined,
      sqlState: undefined,
      fatal: undefined,
      syscall: undefined,
    });
  });

  it('never throws', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const value of [undefined, null, 1, 'x', proxy, Symbol('s')]) {
      expect(() => describeError(value)).not.toThrow();
    }
  });
});
