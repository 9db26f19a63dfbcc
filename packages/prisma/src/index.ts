// @goneaway/prisma: goneaway's policy for Prisma 7's MariaDB driver adapter. Named exports only.
export {
  type CommitMarkerOptions,
  type CommitMarkerStats,
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
export { commitMarkerStats, flushCommitMarkers } from './prisma-commit-markers.js';
export { type PrismaGoneAwayStats, stats, subscribeTo } from './stats.js';
export { withGoneaway } from './with-goneaway.js';
export {
  type InteractiveTransactionClient,
  type WithTransactionRetryOptions,
  withTransactionRetry,
} from './with-transaction-retry.js';
