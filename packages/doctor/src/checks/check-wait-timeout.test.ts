import { DEFAULT_POLICY } from '@goneaway/core';
import { deriveConnectionLimits, idleCeilingMs } from '@goneaway/core/adapter';
import { describe, expect, it } from 'vitest';
import { checkInput } from './check-input.fixture.js';
import { checkWaitTimeout } from './check-wait-timeout.js';

describe('checkWaitTimeout', () => {
  it('is severe when the pool keeps idle connections as long as the server allows or longer', () => {
    for (const idleMs of [5_000, 30_000]) {
      const finding = checkWaitTimeout(checkInput({ limits: { waitTimeoutSeconds: 5 }, pool: { idleMs } }));
      expect(finding.severity).toBe('severe');
      expect(finding.fix).toMatch(/goneAway\(\)/);
      expect(finding.fix).toMatch(/idleTimeoutMillis below 4\.5 s/);
    }
  });

  it('warns when the idle timeout is below wait_timeout but inside the safety margin', () => {
    // 60 s → the ceiling is 54 s: 55 s is below the timeout but races it.
    expect(idleCeilingMs(60)).toBe(54_000);
    const finding = checkWaitTimeout(
      checkInput({ limits: { waitTimeoutSeconds: 60 }, pool: { idleMs: 55_000 } }),
    );
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toMatch(/safety margin/);
  });

  it('only informs about pool.min connections when the idle timeout is comfortably below a long wait_timeout', () => {
    const finding = checkWaitTimeout(checkInput());
    expect(finding.severity).toBe('info');
    expect(finding.summary).toMatch(/pool\.min/);
  });

  it('warns for a short wait_timeout even when the idle timeout is below it', () => {
    const finding = checkWaitTimeout(
      checkInput({ limits: { waitTimeoutSeconds: 30 }, pool: { idleMs: 10_000 } }),
    );
    expect(finding.severity).toBe('warn');
    expect(finding.fix).toMatch(/raise wait_timeout/);
  });

  it('is not severe when a knex lifetime below the ceiling replaces connections before the server closes them', () => {
    const finding = checkWaitTimeout(
      checkInput({ limits: { waitTimeoutSeconds: 600 }, pool: { idleMs: 900_000, lifetimeMs: 300_000 } }),
    );
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toMatch(/maxConnectionLifetimeMillis/);
  });

  it('reports what goneaway derives, and judges the goneaway config by it', () => {
    const input = checkInput({ limits: { waitTimeoutSeconds: 5 }, pool: { goneaway: true } });
    const finding = checkWaitTimeout(input);
    const upper = deriveConnectionLimits({ waitTimeoutSeconds: 5 }, DEFAULT_POLICY, () => 0).limits;
    const lower = deriveConnectionLimits({ waitTimeoutSeconds: 5 }, DEFAULT_POLICY, () => 1).limits;
    expect(finding.values.goneawayIdleLimitMs).toBe(upper.idleLimitMs);
    expect(finding.values.goneawayIdleLimitMinMs).toBe(lower.idleLimitMs);
    expect(upper.idleLimitMs).toBeLessThan(5_000);
    // Short, so connections churn, but nothing breaks.
    expect(finding.severity).toBe('warn');
    expect(checkWaitTimeout(checkInput({ pool: { goneaway: true } })).severity).toBe('ok');
  });
});
