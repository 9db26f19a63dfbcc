// @goneaway/typeorm: goneaway's policy for a TypeORM DataSource (mysql, mariadb). Named exports only.

// What users import from every goneaway package (errors, guards, classify, events, options types):
// one list in core, re-exported whole. A new adapter's index.ts starts with this same line.
export * from '@goneaway/core/public';
export { commitMarkerStats, flushCommitMarkers } from './data-source-commit-markers.js';
export type { DataSourceLike } from './data-source-pool.js';
export {
  type GoneAwayTypeormOptions,
  goneAwayTypeorm,
  type TypeormMysqlOptionsLike,
} from './gone-away-typeorm.js';
export { stats, subscribeTo, type TypeormGoneAwayStats } from './stats.js';
export type { Mysql2CallbackModule } from './typeorm-driver.js';
export {
  type ManagerOf,
  type TransactionalDataSource,
  type WithTransactionRetryOptions,
  withTransactionRetry,
} from './with-transaction-retry.js';
