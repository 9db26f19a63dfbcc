import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/parse-policy.js';
import { deriveConnectionLimits, idleCeilingMs } from './derive-connection-limits.js';

const auto = parsePolicy();
const noJitter = () => 0;
const maxJitter = () => 0.999_999;

describe('idleCeilingMs', () => {
  it.each([
    [0.4, 200], // fractional seconds: a margin never takes more than half
    [1, 750], // the 250 ms floor
    [2, 1750], // 10 % = 200 < 250 floor
    [10, 9000], // 10 %
    [60, 54_000],
    [600, 570_000], // 10 % = 60 s > 30 s ceiling
    [28_800, 28_770_000], // 8 h → 7 h 59 m 30 s
  ])('wait_timeout %d s → %d ms', (seconds, expected) => {
    expect(idleCeilingMs(seconds)).toBe(expected);
  });

  it('is infinite when the server gave nothing usable', () => {
    expect(idleCeilingMs(0)).toBe(Number.POSITIVE_INFINITY);
    expect(idleCeilingMs(Number.NaN)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('deriveConnectionLimits', () => {
  it('derives both limits below a 2 s wait_timeout, jittered by at most 2.5 %', () => {
    const none = deriveConnectionLimits({ waitTimeoutSeconds: 2 }, auto, noJitter).limits;
    const most = deriveConnectionLimits({ waitTimeoutSeconds: 2 }, auto, maxJitter).limits;
    expect(none).toEqual({
      idleLimitMs: 1750,
      maxLifetimeMs: 1750,
      idleSource: 'derived',
      lifetimeSource: 'derived',
    });
    expect(most.idleLimitMs).toBe(Math.floor(1750 - 0.999_999 * 1750 * 0.025));
    expect(most.idleLimitMs).toBeGreaterThanOrEqual(1706);
  });

  it('derives an 8 h idle limit 30 s below wait_timeout and bounds the auto lifetime by 30 min', () => {
    const none = deriveConnectionLimits({ waitTimeoutSeconds: 28_800 }, auto, noJitter).limits;
    const most = deriveConnectionLimits({ waitTimeoutSeconds: 28_800 }, auto, maxJitter).limits;
    expect(none.idleLimitMs).toBe(28_770_000);
    expect(none.maxLifetimeMs).toBe(1_800_000);
    // Up to about 12 minutes of spread on the idle limit, 45 s on the lifetime.
    expect(28_770_000 - most.idleLimitMs).toBeGreaterThan(719_000);
    expect(28_770_000 - most.idleLimitMs).toBeLessThanOrEqual(719_250);
    expect(1_800_000 - most.maxLifetimeMs).toBeGreaterThan(44_900);
  });

  it('lets user values below the ceiling win, jittered', () => {
    const policy = parsePolicy({ idleLimitMs: 60_000, maxLifetimeMs: 600_000 });
    const { limits, capped } = deriveConnectionLimits({ waitTimeoutSeconds: 28_800 }, policy, noJitter);
    expect(limits).toEqual({
      idleLimitMs: 60_000,
      maxLifetimeMs: 600_000,
      idleSource: 'user',
      lifetimeSource: 'user',
    });
    expect(capped).toEqual([]);
  });

  it('caps user values that reach into the margin and says so', () => {
    const policy = parsePolicy({ idleLimitMs: 5000, maxLifetimeMs: 2000 });
    const { limits, capped } = deriveConnectionLimits({ waitTimeoutSeconds: 2 }, policy, noJitter);
    expect(limits).toEqual({
      idleLimitMs: 1750,
      maxLifetimeMs: 1750,
      idleSource: 'user-capped',
      lifetimeSource: 'user-capped',
    });
    expect(capped).toEqual([
      { option: 'idleLimitMs', requestedMs: 5000, cappedMs: 1750 },
      { option: 'maxLifetimeMs', requestedMs: 2000, cappedMs: 1750 },
    ]);
  });

  it('disables a limit with false', () => {
    const policy = parsePolicy({ idleLimitMs: false, maxLifetimeMs: false });
    const { limits, capped } = deriveConnectionLimits({ waitTimeoutSeconds: 2 }, policy, maxJitter);
    expect(limits.idleLimitMs).toBe(Number.POSITIVE_INFINITY);
    expect(limits.maxLifetimeMs).toBe(Number.POSITIVE_INFINITY);
    expect(limits.idleSource).toBe('disabled');
    expect(capped).toEqual([]);
  });

  it('spreads connections: different draws give different limits', () => {
    const draws = [0.1, 0.5, 0.9].map(
      (r) => deriveConnectionLimits({ waitTimeoutSeconds: 3600 }, auto, () => r).limits.idleLimitMs,
    );
    expect(new Set(draws).size).toBe(3);
  });

  it('always stays strictly below wait_timeout and positive, whatever the inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 31_536_000 }),
        fc.oneof(
          fc.constant<'auto'>('auto'),
          fc.constant<false>(false),
          fc.double({ min: 0.001, max: 1e12, noNaN: true }),
        ),
        fc.double({ min: 0, max: 0.999_999_9, noNaN: true }),
        (waitTimeoutSeconds, setting, draw) => {
          const policy = { idleLimitMs: setting, maxLifetimeMs: setting };
          const { limits } = deriveConnectionLimits({ waitTimeoutSeconds }, policy, () => draw);
          for (const ms of [limits.idleLimitMs, limits.maxLifetimeMs]) {
            if (setting === false) expect(ms).toBe(Number.POSITIVE_INFINITY);
            else {
              expect(ms).toBeLessThan(waitTimeoutSeconds * 1000);
              expect(ms).toBeGreaterThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
