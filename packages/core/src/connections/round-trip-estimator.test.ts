import { describe, expect, it } from 'vitest';
import {
  AUTO_PING_TIMEOUT_MAX_MS,
  PING_TIMEOUT_FLOOR_MS,
  ROUND_TRIP_MULTIPLIER,
  RoundTripEstimator,
} from './round-trip-estimator.js';

describe('RoundTripEstimator', () => {
  it('gives the floor before any evidence and while round trips are fast', () => {
    const estimator = new RoundTripEstimator();
    expect(estimator.pingTimeoutMs('auto')).toBe(PING_TIMEOUT_FLOOR_MS);
    for (let i = 0; i < 50; i++) {
      estimator.recordPing(0.3);
      estimator.recordHold(0.5);
    }
    expect(estimator.pingTimeoutMs('auto')).toBe(PING_TIMEOUT_FLOOR_MS);
  });

  it('follows the slowest recent ping', () => {
    const estimator = new RoundTripEstimator();
    for (let i = 0; i < 31; i++) estimator.recordPing(1);
    estimator.recordPing(120);
    expect(estimator.pingTimeoutMs('auto')).toBe(ROUND_TRIP_MULTIPLIER * 120);
    // 32 faster pings later it is forgotten.
    for (let i = 0; i < 32; i++) estimator.recordPing(1);
    expect(estimator.pingTimeoutMs('auto')).toBe(PING_TIMEOUT_FLOOR_MS);
  });

  it('follows the lower quartile of holds: a slow link slows every hold, slow transactions only some', () => {
    const slowLink = new RoundTripEstimator();
    for (let i = 0; i < 32; i++) slowLink.recordHold(300 + i);
    expect(slowLink.pingTimeoutMs('auto')).toBe(ROUND_TRIP_MULTIPLIER * 308);
    const slowQueries = new RoundTripEstimator();
    for (let i = 0; i < 32; i++) slowQueries.recordHold(i % 2 === 0 ? 0.4 : 5_000);
    expect(slowQueries.pingTimeoutMs('auto')).toBe(PING_TIMEOUT_FLOOR_MS);
  });

  it("is capped at AUTO_PING_TIMEOUT_MAX_MS for 'auto'; the user's number is kept as given (even below the floor)", () => {
    const estimator = new RoundTripEstimator();
    estimator.recordPing(900);
    expect(estimator.pingTimeoutMs('auto')).toBe(AUTO_PING_TIMEOUT_MAX_MS);
    expect(estimator.pingTimeoutMs(5_000)).toBe(5_000);
    expect(estimator.pingTimeoutMs(250)).toBe(250);
    expect(new RoundTripEstimator().pingTimeoutMs(100)).toBe(100);
  });

  it('ignores negative samples (a clock that went backwards)', () => {
    const estimator = new RoundTripEstimator();
    estimator.recordPing(-5);
    estimator.recordHold(Number.NaN);
    expect(estimator.roundTripMs()).toBe(0);
  });
});
