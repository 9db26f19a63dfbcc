import type { ServerLimits } from '@goneaway/core';

/** What the doctor learned from the server on its one connection. */
export interface ServerFacts {
  /** core's readServerLimits: wait/interactive timeouts, max_allowed_packet, read-only flags, version. */
  readonly limits: ServerLimits;
  /** `version_comment`, e.g. `Debian 12`, `MySQL Community Server - GPL`. */
  readonly versionComment: string | undefined;
  readonly maxConnections: number;
  /** The account's connection limit as this session sees it; 0 = none. */
  readonly maxUserConnections: number;
  readonly netReadTimeoutSeconds: number;
  readonly netWriteTimeoutSeconds: number;
  /** MariaDB `max_statement_time` (seconds, 0 = off); undefined on servers without it. */
  readonly maxStatementTimeSeconds: number | undefined;
  /** MySQL `max_execution_time` (ms, 0 = off, SELECT only); undefined on servers without it. */
  readonly maxExecutionTimeMs: number | undefined;
  /** `Threads_connected`, the doctor's own connection included. */
  readonly threadsConnected: number;
  /** `Max_used_connections`: the most connections open at once since the server started. */
  readonly maxUsedConnections: number;
  /** `Aborted_clients`: connections that ended without a clean close (wait_timeout, dead clients). */
  readonly abortedClients: number;
  readonly uptimeSeconds: number;
}

/** The OS TCP keepalive defaults where the doctor runs (Linux: /proc/sys/net/ipv4). */
export interface KeepAliveFacts {
  /** `tcp_keepalive_time`: idle seconds before the first probe; undefined when unreadable. */
  readonly timeSeconds: number | undefined;
  /** `tcp_keepalive_intvl`: seconds between probes. */
  readonly intervalSeconds: number | undefined;
  /** `tcp_keepalive_probes`: unanswered probes before the connection is dropped. */
  readonly probes: number | undefined;
  /** Where the values came from, or undefined when they could not be read (not Linux). */
  readonly source: string | undefined;
}
