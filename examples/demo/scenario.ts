import type { AppDb, PluginActivity, PoolSize } from './clients/app-db.js';
import type { ConnectionSettings, DemoLane } from './demo-lane.js';
import type { ErrorSummary } from './describe-error.js';

export type SideName = 'bare' | 'goneaway';

/**
 * One side of the comparison. Scenarios only ever reach the database through `open`, so the very same
 * scenario code runs on the bare client (`knex(config)`, `mysql.createPool(config)`…) and with goneaway
 * (`knex(goneAway(config))`, `wrapMysql2(mysql).createPool(config)`…).
 */
export interface Side {
  readonly name: SideName;
  /** Aborted when the scenario's time limit is reached: loops must stop. */
  readonly signal: AbortSignal;
  /** Opens the application's database handle (the demo's `--client`), on this side's terms. */
  open(connection: ConnectionSettings, pool?: PoolSize): AppDb;
  /** Runs one application call; an error is recorded as "reached the app" and returned, never thrown. */
  call<T>(operation: () => Promise<T>): Promise<CallResult<T>>;
  /** Records an error the application saw outside `call` (e.g. a rejected transaction). */
  recordError(error: unknown): void;
}

export type CallResult<T> =
  | { readonly ok: true; readonly value: T; readonly ms: number }
  | { readonly ok: false; readonly error: unknown; readonly ms: number };

/** Timings a scenario may use; the test runs a reduced set so the whole demo fits in its budget. */
export interface DemoTuning {
  /** Server `wait_timeout` in seconds (the private servers are started with it). */
  readonly waitTimeoutSeconds: number;
  /** Tries in the boundary race and the spread of their offsets around `wait_timeout` (ms). */
  readonly boundaryTries: number;
  readonly boundaryEarlyMs: number;
  readonly boundaryLateMs: number;
  /** How long the restart workers keep reading. */
  readonly restartWorkMs: number;
  /** A call that has not settled after this long is reported as "hung". */
  readonly hangCapMs: number;
}

export const FULL_TUNING: DemoTuning = Object.freeze({
  waitTimeoutSeconds: 2,
  // 48 rather than 24: the window is a few ms wide, so 24 tries 4 ms apart miss it in about one run of three.
  boundaryTries: 48,
  boundaryEarlyMs: 50,
  boundaryLateMs: 50,
  restartWorkMs: 4000,
  hangCapMs: 5000,
});

/** What a scenario reports for one side, beyond the errors and noise the runner records itself. */
export interface SideOutcome {
  /** What the application saw, in a few words ("3/3 queries ok", "hung (capped at 5 s)"). */
  readonly saw: string;
  readonly hung?: boolean;
  /** Scenario-specific measurements (counts, sizes, ms) for the JSON report and the checks. */
  readonly metrics?: Readonly<Record<string, number | string | boolean | null>>;
}

/** Everything measured for one side of one scenario. */
export interface SideResult {
  readonly side: SideName;
  readonly saw: string;
  readonly errors: { readonly count: number; readonly first: ErrorSummary | undefined };
  readonly noise: { readonly count: number; readonly first: string | undefined };
  readonly durationMs: number;
  readonly hung: boolean;
  /** The scenario's own time limit was reached (the side was abandoned). */
  readonly timedOut: boolean;
  /** A bug in the demo itself (not an error the application saw). */
  readonly crashed: string | undefined;
  readonly metrics: Readonly<Record<string, number | string | boolean | null>>;
  /** goneaway's own counters (retries, evictions, …) for the goneaway side. */
  readonly activity: PluginActivity | undefined;
  /** What this side is expected to show: the failure for bare, the fix for goneaway. */
  readonly expectation: string;
  /** For goneaway: the expectation holds. For bare: the real failure showed up. */
  readonly met: boolean;
}

export type Verdict = 'better' | 'same' | 'worse';

/** What `expect` and `compare` judge: the recorded facts of one side. */
export type SideFacts = Omit<SideResult, 'expectation' | 'met'>;

/** A server capability a scenario needs; with `--url` some are missing and the scenario is skipped. */
export type Capability = 'kill' | 'restart' | 'reconfigure' | 'proxy';

export interface Scenario {
  /** Stable id for `--only` and the JSON report. */
  readonly id: string;
  readonly title: string;
  /** The failure cause, one line. */
  readonly cause: string;
  readonly needs: readonly Capability[];
  /** Each side is abandoned after this long so a hang cannot stall the demo. */
  readonly timeoutMs: number;
  readonly expect: {
    readonly bare: { readonly text: string; check(facts: SideFacts): boolean };
    readonly goneaway: { readonly text: string; check(facts: SideFacts): boolean };
  };
  run(side: Side, lane: DemoLane): Promise<SideOutcome>;
  /** Decides the verdict when the generic comparison (hangs, errors, noise) is not the point. */
  compare?(bare: SideFacts, goneaway: SideFacts): { verdict: Verdict; why: string } | undefined;
}

export interface ScenarioResult {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  readonly cause: string;
  readonly skipped: string | undefined;
  readonly bare: SideResult | undefined;
  readonly goneaway: SideResult | undefined;
  readonly verdict: Verdict | 'skipped';
  readonly why: string;
  readonly durationMs: number;
}
