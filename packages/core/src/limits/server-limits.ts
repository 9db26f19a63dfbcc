export type ServerFlavor = 'mariadb' | 'mysql' | 'unknown';

/** Session values read from a live connection, once per new connection (one round trip). */
export interface ServerLimits {
  /** Session `wait_timeout`, seconds. */
  readonly waitTimeoutSeconds: number;
  /** Session `interactive_timeout`, seconds. */
  readonly interactiveTimeoutSeconds: number;
  /** Session `max_allowed_packet`, bytes. */
  readonly maxAllowedPacket: number;
  /** `read_only` (and `super_read_only` where present) of the server. */
  readonly readOnly: boolean;
  readonly superReadOnly: boolean;
  /** `version()`, e.g. `10.11.19-MariaDB-0+deb12u1`. */
  readonly version: string;
  readonly flavor: ServerFlavor;
  /** `CONNECTION_ID()` of the connection the limits were read on. */
  readonly connectionId: number;
}

/** The limits goneaway applies to one pooled connection, derived from ServerLimits and the policy. */
export interface ConnectionLimits {
  /** Retire a connection idle longer than this (ms); `Infinity` when disabled. Already jittered. */
  readonly idleLimitMs: number;
  /** Retire a connection older than this (ms); `Infinity` when disabled. Already jittered. */
  readonly maxLifetimeMs: number;
  /** Where each came from. */
  readonly idleSource: 'derived' | 'user' | 'user-capped' | 'disabled';
  readonly lifetimeSource: 'derived' | 'user' | 'user-capped' | 'disabled';
}

/** The minimal connection shape `readServerLimits` needs: run one SQL text, resolve rows. */
export interface QueryableConnection {
  query(sql: string): Promise<ReadonlyArray<Record<string, unknown>>>;
}
