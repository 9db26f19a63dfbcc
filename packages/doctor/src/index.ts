// @goneaway/doctor: checks a MySQL/MariaDB server and a pool config for the causes of "server has
// gone away". The `goneaway doctor` bin prints what runDoctor() returns. Named exports only.

export type {
  GaleraSettings,
  HostFailure,
  ReplicationSettings,
} from './cluster/cluster-facts.js';
export type {
  ClusterFinding,
  ClusterFindingId,
  ClusterSummary,
  ConnectedReport,
  ConnectFailure,
  DoctorOptions,
  DoctorReport,
  Finding,
  FindingCounts,
  FindingId,
  FindingValue,
  HostReport,
  PoolAssumptions,
  ServerSummary,
  Severity,
  UnreachableReport,
} from './doctor-report.js';
export { CLUSTER_FINDING_IDS, FINDING_IDS, SEVERITIES } from './doctor-report.js';
export { DoctorUsageError, isDoctorUsageError } from './doctor-usage-error.js';
export { type RenderOptions, renderReport, renderUnreachable } from './output/render-report.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_MS,
  DEFAULT_MAX_LAG_MS,
  DEFAULT_POOL_MAX,
} from './resolve-assumptions.js';
export { runDoctor } from './run-doctor.js';
