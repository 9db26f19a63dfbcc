import { describe, expect, it } from 'vitest';
import { checkInput } from './check-input.fixture.js';
import { checkMaxConnections } from './check-max-connections.js';

describe('checkMaxConnections', () => {
  it('is severe when pool.max × instances exceeds max_connections', () => {
    const finding = checkMaxConnections(
      checkInput({ facts: { maxConnections: 20 }, pool: { poolMax: 10, instances: 3 } }),
    );
    expect(finding.severity).toBe('severe');
    expect(finding.values.poolConnections).toBe(30);
    expect(finding.summary).toMatch(/1040/);
  });

  it("is severe when the account's max_user_connections is below what the pools want", () => {
    const finding = checkMaxConnections(checkInput({ facts: { maxUserConnections: 5 } }));
    expect(finding.severity).toBe('severe');
    expect(finding.summary).toMatch(/1203/);
  });

  it('warns when the connections already open leave no room for full pools', () => {
    const finding = checkMaxConnections(
      checkInput({ facts: { maxConnections: 20, threadsConnected: 8 }, pool: { poolMax: 8, instances: 2 } }),
    );
    expect(finding.values.otherConnections).toBe(7);
    expect(finding.values.headroom).toBe(-3);
    expect(finding.severity).toBe('warn');
  });

  it('warns above 80 % of max_connections and when the server already ran out', () => {
    expect(
      checkMaxConnections(checkInput({ facts: { maxConnections: 20 }, pool: { poolMax: 9, instances: 2 } }))
        .severity,
    ).toBe('warn');
    expect(
      checkMaxConnections(checkInput({ facts: { maxConnections: 151, maxUsedConnections: 152 } })).severity,
    ).toBe('warn');
  });

  it('is ok with room to spare', () => {
    const finding = checkMaxConnections(checkInput());
    expect(finding.severity).toBe('ok');
    expect(finding.values.headroom).toBe(141);
  });
});
