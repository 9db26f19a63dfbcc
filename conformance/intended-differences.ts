import type { IntendedDifference } from './src/intended-difference.js';

/**
 * Host tests that pass bare and fail wrapped because goneaway changes, on purpose, what they check.
 * Each entry names the test exactly, how it must fail wrapped (failing any other way is a
 * regression) and why. conformance/README.md shows this list; keep the two in step.
 */
export const INTENDED_DIFFERENCES: readonly IntendedDifference[] = [];
