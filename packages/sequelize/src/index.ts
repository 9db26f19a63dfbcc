// @goneaway/sequelize: goneaway's policy for Sequelize 6 (mysql dialect, through mysql2). Named exports only.
export {
  type Classification,
  CommitOutcomeUnknownError,
  ConnectionLostError,
  classify,
  DatabaseUnavailableError,
  findGoneAwayError,
  GONEAWAY_CODES,
  type GoneAwayCode,
  GoneAwayConfigError,
  GoneAwayError,
  type GoneAwayEvent,
  type GoneAwayListener,
  type GoneAwayOptions,
  isCommitOutcomeUnknown,
  isConnectionLost,
  isDatabaseUnavailable,
  isGoneAwayConfigError,
  isGoneAwayError,
  isPacketTooLarge,
  isTransactionLost,
  PacketTooLargeError,
  TransactionLostError,
} from '@goneaway/core';
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
