// @goneaway/mysql2: goneaway's policy for a plain mysql2 pool (and Drizzle, Kysely on top). Named exports only.

// What users import from every goneaway package (errors, guards, classify, events, options types):
// one list in core, re-exported whole. A new adapter's index.ts starts with this same line.
export * from '@goneaway/core/public';
export { commitMarkerStats, flushCommitMarkers } from './pool-commit-markers.js';
export { type Mysql2GoneAwayStats, stats, subscribeTo } from './stats.js';
export {
  type Mysql2Pool,
  type TransactionConnectionOf,
  type WithTransactionRetryOptions,
  withTransactionRetry,
} from './with-transaction-retry.js';
export { goneAwayMysql2, type Mysql2ModuleLike, wrapMysql2 } from './wrap-mysql2.js';
export { type LoneConnectionRuntime, wrapMysql2Connections } from './wrap-mysql2-connections.js';
