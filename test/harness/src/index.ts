export { parseMysqlUrl } from './external-mariadb-server.js';
export {
  runWorkload,
  type Workload,
  type WorkloadCalls,
  type WorkloadFailure,
  type WorkloadOptions,
  type WorkloadReport,
  type WorkloadStopOptions,
} from './failover-workload.js';
export type {
  ClientDataAction,
  ClientDataHook,
  FaultProxy,
  FaultProxyOptions,
  FaultProxyStats,
  ProxiedConnection,
  ProxiedConnectionState,
} from './fault-proxy.js';
export { startFaultProxy } from './fault-proxy.js';
export type { MariaDBBinaries } from './find-mariadb-binaries.js';
export { findMariaDBBinaries } from './find-mariadb-binaries.js';
export {
  GALERA_PROVIDER,
  GaleraNotInstalledError,
  galeraUnavailableReason,
} from './galera-availability.js';
export type { GaleraCluster, GaleraClusterTimings, StartGaleraClusterOptions } from './galera-cluster.js';
export { startGaleraCluster } from './galera-cluster.js';
export type { GaleraNode, GaleraNodePorts, GaleraNodeStatus, WaitForStateTarget } from './galera-node.js';
export type { HarnessErrorCode } from './harness-error.js';
export {
  HarnessError,
  HarnessUnsupportedError,
  isHarnessError,
  MariaDBNotInstalledError,
  MariaDBStartError,
} from './harness-error.js';
export { readLogTail } from './log-tail.js';
export type {
  ConnectionInfo,
  MariaDBServer,
  RestartOptions,
  StartMariaDBOptions,
  StartTimings,
} from './mariadb-server.js';
export { type MysqlEmulator, type MysqlEmulatorBehaviour, startMysqlEmulator } from './mysql-emulator.js';
export { isProcessAlive } from './process-alive.js';
export type { ProvidedMariaDB } from './provided-mariadb.js';
export type { ReplicationPair, ReplicationStatus, StartReplicationPairOptions } from './replication-pair.js';
export { startReplicationPair } from './replication-pair.js';
export { canControlServers, noControlReason } from './server-control.js';
export type { ServerOptions, ServerOptionValue } from './server-options.js';
export { DEFAULT_SERVER_OPTIONS } from './server-options.js';
export { sharedServer } from './shared-server.js';
export { startMariaDB } from './start-mariadb.js';
export {
  codeOf,
  describeWithGalera,
  describeWithOwnServer,
  killWhenRunning,
  sleep,
  waitFor,
} from './test-support.js';
