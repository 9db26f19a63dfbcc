import type { IntendedDifference } from './src/intended-difference.js';

/**
 * Host tests that pass bare and fail wrapped because goneaway changes, on purpose, what they check.
 * Each entry names the test exactly, how it must fail wrapped (failing any other way is a
 * regression) and why. conformance/README.md shows this list; keep the two in step.
 */
export const INTENDED_DIFFERENCES: readonly IntendedDifference[] = [
  {
    suite: 'knex',
    title: 'MySQL dialect Connection configuration mysql2 uses correct port for connecting',
    // The wait is intended; losing which address refused is not: the error must still name it.
    failure: /database is unavailable[\s\S]*ECONNREFUSED 127\.0\.0\.1:601/i,
    reason:
      'A refused connect is waited out within the outage budget (5 s) instead of failing at once ' +
      '(README: queries wait out the outage); the test expects mysql2’s own error text, exactly.',
  },
];
