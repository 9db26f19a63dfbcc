// @goneaway/core/adapter: what an adapter package is built from (the pooled-connection machinery, the
// retry engine, server limits, the packet guard, statement analysis, the commit marker, version
// checks). Users never need it: what they import is `@goneaway/core` (and, re-exported by every
// adapter, ./public.ts). The names here may change in any 0.x release. Named exports only.

// Classification
export { CONNECT_PHASE, CONNECT_TARGET, markConnectPhase } from './classification/connect-phase.js';
export { hasKindTrait, KIND_TRAITS, type KindTrait } from './classification/kind-traits.js';
// Clusters: the per-host health monitor, its shared registry, the probes per flavor
export {
  type CallbackProbeConnection,
  connectProbe,
  probeConnectionOver,
  type UnconnectedCallbackProbeConnection,
} from './cluster/callback-probe-connection.js';
export {
  type ClusterEvent,
  type ClusterListener,
  ClusterMonitor,
  type ClusterMonitorOptions,
  type HostSnapshot,
  type MonitorConnection,
  type ProbeConnector,
  type WriterWaitOptions,
} from './cluster/cluster-monitor.js';
export {
  type AcquireClusterMonitorOptions,
  type ClusterMonitorLease,
  ClusterMonitorRegistry,
  sharedClusterMonitors,
} from './cluster/cluster-monitor-registry.js';
export { hostKey } from './cluster/cluster-options.js';
export type { ClusterRole, ClusterRouting } from './cluster/cluster-routing.js';
export {
  ClusterUnavailableError,
  type ClusterUnavailableErrorOptions,
} from './cluster/cluster-unavailable-error.js';
export { createClusterRouting } from './cluster/create-cluster-routing.js';
export { type Election, type ElectionCandidate, electWriter } from './cluster/elect-writer.js';
export { type ClusterUrlResult, parseClusterUrl } from './cluster/parse-cluster-url.js';
export { GALERA_PROBE_SQL, interpretGaleraRow, probeGalera } from './cluster/probe-galera.js';
export {
  probeProxy,
  REPLICA_STATUS_SQL,
  REPLICATION_PROBE_SQL,
  type ReplicationProbeOptions,
  replicationProbe,
} from './cluster/probe-replication.js';
export type {
  GaleraFacts,
  ProbeConnection,
  ProbedState,
  ProbeFunction,
  ProbeResult,
  ReplicationFacts,
} from './cluster/probe-result.js';
export { GALERA_READ_YOUR_WRITES_SQL, ReaderRouting } from './cluster/reader-routing.js';
export { type ReaderCandidate, readersInRotation } from './cluster/readers-in-rotation.js';
export { movedOffWriterError, WriterRouting } from './cluster/writer-routing.js';

// Pooled connections
export { connectionIsGone, transactionLossError } from './connections/connection-failure.js';
export {
  ConnectionValidator,
  type EvictConnection,
  type ValidationDriver,
} from './connections/connection-validator.js';
export { IdleReaper } from './connections/idle-reaper.js';
export { type PingDriver, type PingOutcome, pingWithTimeout } from './connections/ping-with-timeout.js';
export { PooledConnectionState } from './connections/pooled-connection-state.js';

// The driver contract (what an adapter translates its library to) and the pipeline over it
export type { ConnectionDriver } from './driver/connection-driver.js';
export type { AcquireContext, PoolDriver } from './driver/pool-driver.js';
// Config errors (a description of what was given that never echoes a string which may be a secret)
export { configErrorAt } from './errors/config-error-at.js';
// Events and metrics
export { createEventHub, type EventHub } from './events/event-hub.js';
export type { GoneAwayEventInput } from './events/event-types.js';
export { poolStats } from './events/pool-stats.js';
export { reportEviction } from './events/report-eviction.js';
// Server limits
export {
  type DerivedConnectionLimits,
  deriveConnectionLimits,
  idleCeilingMs,
  type LimitCap,
} from './limits/derive-connection-limits.js';
export { flavorOf, readServerLimits, SERVER_LIMITS_SQL } from './limits/read-server-limits.js';
export type { QueryableConnection } from './limits/server-limits.js';
// Packet guard
export { assertPacketFits, packetFits } from './packet/assert-packet-fits.js';
export { COM_QUERY_HEADER_BYTES, commandPacketBytes } from './packet/command-packet-bytes.js';
export {
  formattedQueryBytes,
  type QueryFormatter,
  queryBytesCeiling,
} from './packet/formatted-query-bytes.js';
export { utf8ByteLength } from './packet/utf8-byte-length.js';
export { ConnectionPipeline } from './pipeline/connection-pipeline.js';
export { LimitsReporter } from './pipeline/limits-reporter.js';
export { typeStatementFailure } from './pipeline/statement-failure.js';
export { describeReceived } from './policy/describe-received.js';

// Redaction of what a driver says (passwords in its messages); describeSql/describeError are in the root
export {
  DRIVER_MESSAGE_MAX_LENGTH,
  redactDriverMessage,
  SecretRedactor,
} from './redaction/secret-redactor.js';

// Retry
export { connectCutOffAt, connectCutOffError, MIN_CONNECT_WAIT_MS } from './retry/connect-cut-off.js';
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

// Statement analysis (isReadOnlyStatement is in the root: users pair it with classify)
export { type SessionStateEffect, sessionStateEffect } from './statements/session-state-effect.js';
export { type TransactionBoundary, transactionBoundary } from './statements/transaction-boundary.js';

// Exactly-once transactions (commit marker)
export { CommitMarker, type CommitMarkerInit } from './transactions/commit-marker.js';
export {
  type CommitMarkerSettings,
  DEFAULT_COMMIT_MARKER_TABLE,
  DEFAULT_PRUNE_AFTER_MS,
  parseCommitMarkerOptions,
} from './transactions/commit-marker-options.js';
export { CommitMarkerSet, type CommitMarkerSetInit } from './transactions/commit-marker-set.js';
export { createMarkerTableSql } from './transactions/commit-marker-sql.js';
export {
  type CommitMarkerTransaction,
  runTransactionWithCommitMarker,
} from './transactions/commit-marker-transaction.js';
export type { CommitMarkerOutcome, ResolveCommitOptions } from './transactions/commit-resolver.js';
export type { MarkerConnection, MarkerQueryResult, WrittenMarker } from './transactions/marker-connection.js';

// Host library versions (adapters refuse a release outside their peer range)
export { assertSupportedVersion, satisfiesVersionRange } from './versions/assert-supported-version.js';
export { installedPackageVersion } from './versions/installed-package-version.js';
