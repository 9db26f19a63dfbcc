// @goneaway/typeorm: goneaway's policy for a TypeORM DataSource (mysql, mariadb). Named exports only.
export {
  type CommitMarkerOptions,
  type CommitMarkerStats,
  CommitOutcomeUnknownError,
  ConnectionLostError,
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
