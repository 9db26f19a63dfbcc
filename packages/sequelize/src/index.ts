// @goneaway/sequelize: goneaway's policy for Sequelize 6 (mysql dialect, through mysql2). Named exports only.

// What users import from every goneaway package (errors, guards, classify, events, options types):
// one list in core, re-exported whole.
export * from '@goneaway/core/public';
export {
  type GoneAwaySequelizeOptions,
  type GoneAwaySequelizePoolOptions,
  goneAwaySequelize,
  type SequelizeOptionsLike,
} from './gone-away-sequelize.js';
export type { GoneAwayRetryOptions, SequelizeRetryOptions } from './retry-options.js';
export { type SequelizeGoneAwayStats, stats, subscribeTo } from './stats.js';
export {
  type TransactionalSequelize,
  type TransactionOf,
  type WithTransactionRetryOptions,
  withTransactionRetry,
} from './with-transaction-retry.js';
