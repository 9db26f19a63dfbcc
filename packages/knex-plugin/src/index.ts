// One import for users: the core's errors, guards, classification and events.
export {
  type Classification,
  CommitOutcomeUnknownError,
  type CommitResolution,
  type CommitResolutionContext,
  ConnectionLostError,
  classify,
  DatabaseUnavailableError,
  type ErrorKind,
  GONEAWAY_CHANNEL,
  GONEAWAY_CODES,
  GoneAwayConfigError,
  GoneAwayError,
  type GoneAwayEvent,
  type GoneAwayListener,
  type GoneAwayOptions,
  type GoneAwayStats,
  isCommitOutcomeUnknown,
  isConnectionLost,
  isDatabaseUnavailable,
  isGoneAwayConfigError,
  isGoneAwayError,
  isPacketTooLarge,
  isTransactionLost,
  PacketTooLargeError,
  subscribe,
  TransactionLostError,
  type TransactionRetryInfo,
  type TransactionRetryOptions,
} from '@goneaway/core';
export { goneAway } from './go-away.js';
export { type KnexGoneAwayStats, stats, subscribeTo } from './stats.js';
export { withTransactionRetry } from './with-transaction-retry.js';
