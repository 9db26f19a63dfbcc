import { expect } from 'vitest';
import { type GoneAwayConfigError, isGoneAwayConfigError } from './goneaway-config-error.js';

/** The GoneAwayConfigError `run` throws; the test fails when it throws anything else or nothing. */
export function configErrorOf(run: () => unknown): GoneAwayConfigError {
  try {
    run();
  } catch (error) {
    expect(isGoneAwayConfigError(error), String(error)).toBe(true);
    return error as GoneAwayConfigError;
  }
  throw new Error('expected a GoneAwayConfigError, and nothing was thrown');
}
