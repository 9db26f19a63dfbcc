import { driverNumber } from '../limits/driver-number.js';
import type { QueryableConnection } from '../limits/server-limits.js';
import type { HostState } from './cluster-options.js';

/** What a probe can conclude by itself: `suspect` is the monitor's, never a probe's. */
export type ProbedState = Exclude<HostState, 'suspect'>;

/** Galera facts a probe read; the writer is chosen from them. */
export interface GaleraFacts {
  readonly localIndex: number | undefined;
  readonly localState: number | undefined;
  readonly clusterStatus: string | undefined;
  readonly clusterSize: number | undefined;
  readonly ready: boolean;
  readonly desync: boolean;
  readonly rejectQueries: string;
}

/** Replication facts a probe read. */
export interface ReplicationFacts {
  readonly readOnly: boolean;
  readonly innodbReadOnly: boolean;
  /** Always false on MariaDB (no such variable). */
  readonly superReadOnly: boolean;
  /** `Seconds_Behind_Master` × 1000 when lag was read; `null` when the host does not replicate or the thread is stopped; undefined when not read. */
  readonly lagMs?: number | null;
}

/** One probe's answer: a plain value. `reason` is words and numbers only (never a driver message). */
export interface ProbeResult {
  readonly state: ProbedState;
  readonly reason: string;
  readonly galera?: GaleraFacts;
  readonly replication?: ReplicationFacts;
}

/** What a probe runs on: QueryableConnection (one SQL text, rows back). */
export type ProbeConnection = QueryableConnection;

/** How the monitor asks a host about itself. */
export type ProbeFunction = (connection: ProbeConnection) => Promise<ProbeResult>;

/** `1`, `'1'`, `'ON'`, `true`, `1n` → true. */
export function readFlag(raw: unknown): boolean {
  if (typeof raw === 'string') return raw === '1' || raw.toUpperCase() === 'ON';
  return raw === 1 || raw === true || raw === 1n;
}

/** A finite number from a driver's number, string or bigint; undefined otherwise. */
export function readNumberOrUndefined(raw: unknown): number | undefined {
  const value = raw === '' ? Number.NaN : driverNumber(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** The server's error number of a failed query (mysql2 `errno`, mariadb `errno`), if any. */
export function errnoOf(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null | undefined)?.errno;
  return typeof errno === 'number' ? errno : undefined;
}
