// @goneaway/core/public: the one list of names users import. Every adapter package re-exports it whole
// (`export * from '@goneaway/core/public'` in its src/index.ts) beside its own entry point, `stats`,
// `subscribeTo` and `withTransactionRetry`, so the packages cannot drift apart; test/surface checks
// that each one does. What adapter authors need lives in ./adapter.ts. Named exports only.

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

// Clusters: the option and what the monitor's events carry
export type {
  ClusterFlavor,
  ClusterHost,
  ClusterHostInput,
  ClusterOptions,
  ClusterPolicy,
  HostState,
} from './cluster/cluster-options.js';
export type { ClusterRole } from './cluster/cluster-routing.js';

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
  type GoneAwayConfigErrorOptions,
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
export type { GoneAwayStats } from './events/event-hub.js';
export type {
  CircuitClosedEvent,
  CircuitOpenEvent,
  CommitResolvedEvent,
  EvictedEvent,
  EvictionReason,
  GoneAwayEvent,
  GoneAwayEventType,
  GoneAwayListener,
  HostStateChangedEvent,
  LimitCappedEvent,
  LimitsDiscoveredEvent,
  PacketRejectedEvent,
  ReconnectedEvent,
  RetryEvent,
  SplitBrainEvent,
  WriterChangedEvent,
} from './events/event-types.js';
export { EVICTION_REASONS, GONEAWAY_EVENT_TYPES } from './events/event-types.js';
export { GONEAWAY_CHANNEL, subscribe } from './events/goneaway-channel.js';
export type { ClusterHostStats, ClusterStats, PoolStats } from './events/pool-stats.js';
// What a `limits-discovered` event carries.
export type { ConnectionLimits, ServerFlavor, ServerLimits } from './limits/server-limits.js';

// Options
export type { GoneAwayOptions } from './policy/options.js';

// Transaction retry: the options and callbacks of every package's withTransactionRetry
export type { CommitMarkerStats } from './transactions/commit-marker.js';
export type { CommitMarkerOptions } from './transactions/commit-marker-options.js';
export {
  type CommitResolution,
  type CommitResolutionContext,
  isDeadlock,
  type TransactionRetryInfo,
  type TransactionRetryOptions,
  type TransactionRetryReason,
} from './transactions/run-transaction-with-retry.js';
