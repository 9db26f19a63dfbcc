import type { SuiteName } from './conformance-suite.js';

/**
 * A host test that passes bare and fails wrapped on purpose: goneaway changes the behaviour it
 * checks, and says so in its README. The list itself is conformance/intended-differences.ts.
 */
export interface IntendedDifference {
  readonly suite: SuiteName;
  /** The test's full title, exactly as mocha prints it. */
  readonly title: string;
  /**
   * The wrapped failure must match (the error message, or for a test skipped by a failed hook that
   * hook's error and title): failing in any other way is still a regression.
   */
  readonly failure: RegExp;
  /** Why goneaway behaves differently, and where that is documented. */
  readonly reason: string;
}
