// @goneaway/mysql2: goneaway's policy for a plain mysql2 pool (and Drizzle, Kysely on top). Named exports only.
export {
  CommitOutcomeUnknownError,
  ConnectionLostError,
  DatabaseUnavailableError,
  findGoneAwayError,
  GONEAWAY_CODES,
  type GoneAwayCode,
  GoneAwayError,
  type GoneAwayEvent,
  type GoneAwayListener,
  type GoneAwayOptions,
  isCommitOutcomeUnknown,
  isConnectionLost,
  isDatabaseUnavailable,
  isGoneAwayError,
  isPacketTooLarge,
  isTransactionLost,
  PacketTooLargeError,
  TransactionLostError,
} from '@goneaway/core';
export { type Mysql2GoneAwayStats, stats, subscribeTo } from './stats.js';
export {
  type Mysql2Pool,
  type TransactionConnectionOf,
  type WithTransactionRetryOptions,
  withTransactionRetry,
} from './with-transaction-retry.js';
export { type Mysql2ModuleLike, wrapMysql2 } from './wrap-mysql2.js';
export { type LoneConnectionRuntime, wrapMysql2Connections } from './wrap-mysql2-connections.js';
