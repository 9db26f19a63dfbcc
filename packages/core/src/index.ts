// @goneaway/core: what users import. The names every adapter package also re-exports are listed once,
// in ./public.ts; the root adds the classification table, policy parsing, redaction and the
// library-neutral transaction loop. What adapter authors build from is `@goneaway/core/adapter`.
// Named exports only.

// Classification: the data behind classify(), and the statement half of "may this run again?"
export {
  ERROR_TABLE,
  type ErrorPhase,
  type ErrorSource,
  type ErrorTableRow,
  KIND_HINTS,
} from './classification/error-table.js';
// Policy
export type { Policy } from './policy/options.js';
export { DEFAULT_POLICY, parsePolicy } from './policy/parse-policy.js';
export * from './public.js';
// Redaction
export { describeError, type SafeErrorSummary } from './redaction/describe-error.js';
export { DEFAULT_SQL_SHAPE_LENGTH, describeSql } from './redaction/describe-sql.js';
export { isReadOnlyStatement } from './statements/is-read-only-statement.js';

// Transactions: the whole-transaction loop for libraries without an adapter's withTransactionRetry
// (Drizzle's and Kysely's own db.transaction on a goneAwayMysql2 pool: see examples/drizzle).
export { runTransactionWithRetry } from './transactions/run-transaction-with-retry.js';
