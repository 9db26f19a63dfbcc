import type { PoolStats } from '@goneaway/core';
import type { ConnectionSettings } from '../demo-lane.js';
import type { Scenario, SideName } from '../scenario.js';

export type Row = Record<string, unknown>;

/** What a scenario asks of the application's database access: plain SQL, as any client runs it. */
export interface AppQueries {
  /** A read (`SELECT …`): its rows. */
  read(sql: string): Promise<Row[]>;
  /** A write (`INSERT …`), `?` placeholders bound to `params`: resolves once the server acknowledged it. */
  write(sql: string, params?: readonly unknown[]): Promise<void>;
}

/** One application database handle (a knex instance, a mysql2 pool, a TypeORM DataSource, a PrismaClient, a Sequelize). */
export interface AppDb extends AppQueries {
  /** The client's own transaction API: `work` runs inside it; it commits, or rolls back and rejects. */
  transaction(work: (trx: AppQueries) => Promise<void>): Promise<void>;
}

/** Pool sizing a scenario needs (one connection for a race, two warm ones for a KILL…). */
export interface PoolSize {
  readonly min?: number;
  readonly max?: number;
}

/** What goneaway did behind the application's back, summed over a side's handles. */
export interface PluginActivity {
  readonly retries: number;
  /** Evicted connections per reason (idle-limit, ping-timeout, read-only, …). */
  readonly evictions: Readonly<Record<string, number>>;
  readonly packetsRejected: number;
  /** Connects made through the single-flight gate while the server was unreachable. */
  readonly connectAttempts: number;
}

/** A handle a side opened, with what the runner needs afterwards. */
export interface OpenedDb {
  readonly db: AppDb;
  /** goneaway's counters for this handle (undefined on the bare side). */
  activity(): PluginActivity | undefined;
  /** Ends the pool; may never settle for a pool stuck on a half-open socket (the runner caps it). */
  destroy(): Promise<void>;
}

/** Where a client's own logger output goes instead of the console (knex's "Connection Error" lines). */
export interface NoiseSink {
  push(line: string): void;
}

export interface OpenOptions {
  readonly connection: ConnectionSettings;
  readonly pool?: PoolSize | undefined;
  readonly noise: NoiseSink;
}

export type ClientId = 'knex' | 'mysql2' | 'typeorm' | 'prisma' | 'sequelize';

/** One library the demo compares bare and with goneaway: the same scenario code drives both. */
export interface DemoClient {
  readonly id: ClientId;
  /** Column headings, e.g. `bare knex + mysql2` and `knex + goneaway`. */
  readonly labels: Readonly<Record<SideName, string>>;
  /**
   * Where this library makes a scenario's usual expectation wrong for a reason goneaway cannot change
   * (said in the text), the expectation for this client: by scenario id, then side.
   */
  readonly expectations?: Readonly<Record<string, Partial<Scenario['expect']>>>;
  /** Prepares what the client needs once per demo run (Prisma generates its client). */
  prepare?(): Promise<void>;
  open(side: SideName, options: OpenOptions): OpenedDb;
}

/** Sums the counters of every goneaway handle a side opened. */
export function sumActivity(all: readonly (PluginActivity | undefined)[]): PluginActivity | undefined {
  const present = all.filter((activity): activity is PluginActivity => activity !== undefined);
  if (present.length === 0) return undefined;
  const evictions: Record<string, number> = {};
  for (const activity of present) {
    for (const [reason, count] of Object.entries(activity.evictions)) {
      if (count > 0) evictions[reason] = (evictions[reason] ?? 0) + count;
    }
  }
  const sum = (pick: (activity: PluginActivity) => number) =>
    present.reduce((total, activity) => total + pick(activity), 0);
  return {
    retries: sum((a) => a.retries),
    evictions,
    packetsRejected: sum((a) => a.packetsRejected),
    connectAttempts: sum((a) => a.connectAttempts),
  };
}

/** The counters the demo shows, from any adapter's `stats()` snapshot (core's PoolStats). */
export function activityOf(stats: PoolStats): PluginActivity {
  const evictions: Record<string, number> = {};
  for (const [reason, count] of Object.entries(stats.evictions)) if (count > 0) evictions[reason] = count;
  return {
    retries: stats.retries,
    evictions,
    packetsRejected: stats.events['packet-rejected'],
    connectAttempts: stats.connectAttempts,
  };
}
