import { describe, expect, it } from 'vitest';
import { checkInput } from './check-input.fixture.js';
import { checkReadOnly } from './check-read-only.js';

describe('checkReadOnly', () => {
  it('reports MariaDB super_read_only as absent (null), not as OFF', () => {
    const finding = checkReadOnly(checkInput({ limits: { readOnly: true } }));
    expect(finding.severity).toBe('warn');
    expect(finding.values).toEqual({ readOnly: true, superReadOnly: null });
    expect(finding.summary).toMatch(/MariaDB has no super_read_only/);
  });

  it("warns for MySQL's super_read_only, which stops SUPER accounts too", () => {
    const finding = checkReadOnly(
      checkInput({ limits: { flavor: 'mysql', version: '8.0.36', readOnly: true, superReadOnly: true } }),
    );
    expect(finding.severity).toBe('warn');
    expect(finding.values).toEqual({ readOnly: true, superReadOnly: true });
    expect(finding.summary).toMatch(/even from SUPER/);
  });

  it('is ok on a writable server', () => {
    expect(checkReadOnly(checkInput()).severity).toBe('ok');
  });
});
