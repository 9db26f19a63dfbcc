// @goneaway/core: driver-agnostic classification and reconnect policy. Named exports only.

// Classification
export type {
  Classification,
  ConnectionState,
  DriverErrorShape,
  ErrorKind,
  RetryAdvice,
  SentState,
} from './classification/classification.js';
export { ERROR_KINDS } from './classification/classification.js';
export { classify } from './classification/classify.js';
export { CONNECT_PHASE, markConnectPhase } from './classification/connect-phase.js';
export {
  ERROR_TABLE,
  type ErrorPhase,
  type ErrorSource,
  type ErrorTableRow,
  KIND_HINTS,
} from './classification/error-table.js';
// Pooled connections
export { connectionIsGone, transactionLossError } from './connections/connection-failure.js';
export {
  ConnectionValidator,
  type EvictConnection,
  type ValidatableConnection,
} from './connections/connection-validator.js';
export { IdleReaper } from './connections/idle-reaper.js';
export {
  type PingableConnection,
  type PingOutcome,
  pingWithTimeout,
} from './connections/ping-with-timeout.js';
export { createPoolRuntime, type PoolRuntime } from './connections/pool-runtime.js';
export { PooledConnectionState } from './connections/pooled-connection-state.js';

// Errors and guards
export {
  CommitOutcomeUnknownError,
  type CommitOutcomeUnknownErrorOptions,
  isCommitOutcomeUnknown,
} from './errors/commit-outcome-unknown-error.js';
export {
  ConnectionLostError,
  type ConnectionLostErrorOptions,
  isConnectionLost,
} from './errors/connection-lost-error.js';
export {
  DatabaseUnavailableError,
  type DatabaseUnavailableErrorOptions,
  isDatabaseUnavailable,
} from './errors/database-unavailable-error.js';
export { GONEAWAY_CODES, type GoneAwayCode, isGoneAwayCode } from './errors/goneaway-codes.js';
export {
  type ConfigIssue,
  GoneAwayConfigError,
  isGoneAwayConfigError,
} from './errors/goneaway-config-error.js';
export {
  findGoneAwayError,
  GoneAwayError,
  type GoneAwayErrorJson,
  type GoneAwayErrorOptions,
  isGoneAwayError,
} from './errors/goneaway-error.js';
export {
  isPacketTooLarge,
  PacketTooLargeError,
  type PacketTooLargeErrorOptions,
} from './errors/packet-too-large-error.js';
export {
  isTransactionLost,
  TransactionLostError,
  type TransactionLostErrorOptions,
} from './errors/transaction-lost-error.js';

// Events and metrics
export { createEventHub, type EventHub, type GoneAwayStats } from './events/event-hub.js';
export type {
  CircuitClosedEvent,
  CircuitOpenEvent,
  CommitResolvedEvent,
  EvictedEvent,
  EvictionReason,
  GoneAwayEvent,
  GoneAwayEventInput,
  GoneAwayEventType,
  GoneAwayListener,
  LimitCappedEvent,
  LimitsDiscoveredEvent,
  PacketRejectedEvent,
  ReconnectedEvent,
  RetryEvent,
} from './events/event-types.js';
export { EVICTION_REASONS, GONEAWAY_EVENT_TYPES } from './events/event-types.js';
export { GONEAWAY_CHANNEL, subscribe } from './events/goneaway-channel.js';
export { type PoolStats, poolStats } from './events/pool-stats.js';
export { reportEviction } from './events/report-eviction.js';

// Server limits
export {
  type DerivedConnectionLimits,
  deriveConnectionLimits,
  idleCeilingMs,
  type LimitCap,
} from './limits/derive-connection-limits.js';
export { flavorOf, readServerLimits, SERVER_LIMITS_SQL } from './limits/read-server-limits.js';
export type {
  ConnectionLimits,
  QueryableConnection,
  ServerFlavor,
  ServerLimits,
} from './limits/server-limits.js';

// Packet guard
export { assertPacketFits, packetFits } from './packet/assert-packet-fits.js';
export { COM_QUERY_HEADER_BYTES, commandPacketBytes } from './packet/command-packet-bytes.js';
export {
  formattedQueryBytes,
  type QueryFormatter,
  queryBytesCeiling,
} from './packet/formatted-query-bytes.js';
export { utf8ByteLength } from './packet/utf8-byte-length.js';

// Policy
export type { GoneAwayOptions, Policy } from './policy/options.js';
export { DEFAULT_POLICY, parsePolicy } from './policy/parse-policy.js';

// Redaction
export { describeError, type SafeErrorSummary } from './redaction/describe-error.js';
export { DEFAULT_SQL_SHAPE_LENGTH, describeSql } from './redaction/describe-sql.js';

// Retry
export type { EventSink } from './retry/event-sink.js';
export {
  type GateConnectOptions,
  RECONNECT_PROBE_CEILING_MS,
  ReconnectGate,
  type ReconnectGateOptions,
  type ReconnectGateStats,
} from './retry/reconnect-gate.js';
export { decideRetry, type RetryDecision, type StatementSafety } from './retry/retry-decision.js';
export {
  type AttemptContext,
  createRetryEngine,
  type ExecuteOptions,
  type RetryEngine,
  type RetryEngineOptions,
  type RetryEngineStats,
} from './retry/retry-engine.js';

// Statement safety
export { isReadOnlyStatement } from './statements/is-read-only-statement.js';
export { type SessionStateEffect, sessionStateEffect } from './statements/session-state-effect.js';
export { type TransactionBoundary, transactionBoundary } from './statements/transaction-boundary.js';
// Exactly-once transactions (commit marker)
export {
  CommitMarker,
  type CommitMarkerInit,
  type CommitMarkerOutcome,
  type CommitMarkerStats,
  type MarkerConnection,
  type MarkerQueryResult,
  type ResolveCommitOptions,
  type WrittenMarker,
} from './transactions/commit-marker.js';
export {
  type CommitMarkerOptions,
  type CommitMarkerSettings,
  DEFAULT_COMMIT_MARKER_TABLE,
  DEFAULT_PRUNE_AFTER_MS,
  parseCommitMarkerOptions,
} from './transactions/commit-marker-options.js';
export { createMarkerTableSql } from './transactions/commit-marker-sql.js';
export {
  type CommitMarkerTransaction,
  runTransactionWithCommitMarker,
} from './transactions/commit-marker-transaction.js';
// Transactions
export {
  type CommitResolution,
  type CommitResolutionContext,
  isDeadlock,
  runTransactionWithRetry,
  type TransactionRetryInfo,
  type TransactionRetryOptions,
  type TransactionRetryReason,
} from './transactions/run-transaction-with-retry.js';
// Host library versions (adapters refuse a release outside their peer range)
export { assertSupportedVersion, satisfiesVersionRange } from './versions/assert-supported-version.js';
export { installedPackageVersion } from './versions/installed-package-version.js';
