import { cpus, platform, release } from 'node:os';
import type { ClientId, DemoClient } from './clients/app-db.js';
import { clientById } from './clients/index.js';
import type { DemoLane } from './demo-lane.js';
import { startPrivateLane, startUrlLane } from './demo-lane.js';
import { runScenario } from './run-scenario.js';
import {
  type DemoTuning,
  FULL_TUNING,
  type Scenario,
  type ScenarioResult,
  type SideResult,
} from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';
import { since } from './timing.js';

export interface DemoOptions {
  /** A server the user owns: nothing that kills, restarts or reconfigures it runs. */
  readonly url?: string | undefined;
  /** Scenario ids or numbers; all when empty. */
  readonly only?: readonly string[] | undefined;
  readonly tuning?: DemoTuning | undefined;
  /** The library compared bare and with goneaway (default knex). */
  readonly client?: ClientId | undefined;
}

export interface DemoTotals {
  readonly scenarios: number;
  readonly ran: number;
  readonly skipped: number;
  readonly goneawayPassed: number;
  readonly goneawayFailed: number;
  readonly bareShowedFailure: number;
  readonly bareDidNotFail: number;
  readonly bareErrors: number;
  readonly goneawayErrors: number;
  readonly bareNoise: number;
  readonly goneawayNoise: number;
  readonly better: number;
  readonly same: number;
  readonly worse: number;
}

export interface DemoReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: {
    readonly node: string;
    readonly os: string;
    readonly cpus: number;
    readonly cpu: string;
  };
  readonly server: { readonly mode: 'private' | 'url'; readonly version: string };
  /** The library both sides used, and the column headings for its two sides. */
  readonly client: { readonly id: ClientId; readonly labels: Readonly<Record<'bare' | 'goneaway', string>> };
  readonly scenarios: readonly ScenarioResult[];
  readonly totals: DemoTotals;
  /** Every goneaway row that ran met its expectation. */
  readonly passed: boolean;
}

export function selectScenarios(only: readonly string[] | undefined): Scenario[] {
  if (!only || only.length === 0) return [...SCENARIOS];
  const wanted = new Set(only.map((name) => name.trim()).filter((name) => name !== ''));
  const unknown = [...wanted].filter(
    (name) => !SCENARIOS.some((scenario, index) => scenario.id === name || String(index + 1) === name),
  );
  if (unknown.length > 0) {
    throw new Error(
      `--only: unknown scenario ${unknown.map((name) => `"${name}"`).join(', ')}; expected numbers 1-${SCENARIOS.length} or ids: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  }
  return SCENARIOS.filter((scenario, index) => wanted.has(scenario.id) || wanted.has(String(index + 1)));
}

export function scenarioNumber(scenario: Scenario): number {
  return SCENARIOS.indexOf(scenario) + 1;
}

/** The servers, proxies and plugin the scenarios run against; open once, run scenarios, close. */
export class DemoSession {
  private constructor(
    readonly lanes: Readonly<Record<'bare' | 'goneaway', DemoLane>>,
    readonly client: DemoClient,
    readonly mode: 'private' | 'url',
    readonly serverVersion: string,
  ) {}

  static async open(options: DemoOptions): Promise<DemoSession> {
    const tuning = options.tuning ?? FULL_TUNING;
    const client = clientById(options.client);
    await client.prepare?.();
    const url = options.url;
    const start = (side: 'bare' | 'goneaway') =>
      url ? startUrlLane(side, url, tuning) : startPrivateLane(side, tuning);
    const started = await Promise.allSettled([start('bare'), start('goneaway')]);
    const lanes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      await Promise.allSettled(lanes.map((lane) => lane.close()));
      throw failed.reason;
    }
    const [bare, goneaway] = lanes as [DemoLane, DemoLane];
    const [row] = await bare.admin('SELECT VERSION() AS version');
    return new DemoSession(
      { bare, goneaway },
      client,
      url ? 'url' : 'private',
      String(row?.version ?? 'unknown'),
    );
  }

  run(scenario: Scenario, onSideDone?: (result: SideResult) => void): Promise<ScenarioResult> {
    return runScenario(scenario, scenarioNumber(scenario), {
      lanes: this.lanes,
      client: this.client,
      onSideDone,
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.lanes.bare.close(), this.lanes.goneaway.close()]);
  }

  report(results: readonly ScenarioResult[], startedAt: Date, startedMs: number): DemoReport {
    const cpuList = cpus();
    return {
      startedAt: startedAt.toISOString(),
      durationMs: since(startedMs),
      machine: {
        node: process.version,
        os: `${platform()} ${release()}`,
        cpus: cpuList.length,
        cpu: cpuList[0]?.model.trim() ?? 'unknown',
      },
      server: { mode: this.mode, version: this.serverVersion },
      client: { id: this.client.id, labels: this.client.labels },
      scenarios: results,
      totals: totalsOf(results),
      passed: results.every((result) => result.skipped !== undefined || result.goneaway?.met === true),
    };
  }
}

export function totalsOf(results: readonly ScenarioResult[]): DemoTotals {
  const ran = results.filter((result) => result.skipped === undefined);
  const sum = (pick: (result: ScenarioResult) => number) =>
    ran.reduce((total, result) => total + pick(result), 0);
  return {
    scenarios: results.length,
    ran: ran.length,
    skipped: results.length - ran.length,
    goneawayPassed: ran.filter((result) => result.goneaway?.met).length,
    goneawayFailed: ran.filter((result) => !result.goneaway?.met).length,
    bareShowedFailure: ran.filter((result) => result.bare?.met).length,
    bareDidNotFail: ran.filter((result) => !result.bare?.met).length,
    bareErrors: sum((result) => result.bare?.errors.count ?? 0),
    goneawayErrors: sum((result) => result.goneaway?.errors.count ?? 0),
    bareNoise: sum((result) => result.bare?.noise.count ?? 0),
    goneawayNoise: sum((result) => result.goneaway?.noise.count ?? 0),
    better: ran.filter((result) => result.verdict === 'better').length,
    same: ran.filter((result) => result.verdict === 'same').length,
    worse: ran.filter((result) => result.verdict === 'worse').length,
  };
}

/** The whole demo without any display: what `--json` writes and what the demo's test checks. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const scenarios = selectScenarios(options.only);
  const startedAt = new Date();
  const startedMs = performance.now();
  const session = await DemoSession.open(options);
  try {
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) results.push(await session.run(scenario));
    return session.report(results, startedAt, startedMs);
  } finally {
    await session.close();
  }
}
