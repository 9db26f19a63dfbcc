import { cpus, platform, release } from 'node:os';
import type { GoalId, ScenarioVerdict } from './cluster-goals.js';
import { verdictOf } from './cluster-goals.js';
import { ClusterLab } from './cluster-lab.js';
import { type ClusterScenario, selectClusterScenarios } from './cluster-scenarios.js';
import type { ClusterSideId } from './cluster-sides.js';
import type { SideMetrics } from './measure-side.js';
import {
  type ClusterRunTuning,
  type ClusterScenarioRun,
  DEFAULT_CLUSTER_TUNING,
  runClusterScenario,
} from './run-cluster-scenario.js';

export interface ClusterDemoOptions {
  /** Scenario ids or numbers; all six when empty. */
  readonly only?: readonly string[] | undefined;
  readonly tuning?: ClusterRunTuning | undefined;
  readonly progress?: (text: string) => void;
}

export interface ClusterDemoResult {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  readonly cause: string;
  readonly topology: 'galera' | 'replication';
  readonly goals: readonly GoalId[];
  readonly run: ClusterScenarioRun;
  readonly verdict: ScenarioVerdict;
}

export interface ClusterDemoReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: {
    readonly node: string;
    readonly os: string;
    readonly cpus: number;
    readonly cpu: string;
  };
  readonly scenarios: readonly ClusterDemoResult[];
  /** Both goneaway sides met every goal of every scenario that ran. */
  readonly passed: boolean;
}

export function metricsBySide(run: ClusterScenarioRun): Partial<Record<ClusterSideId, SideMetrics>> {
  return Object.fromEntries(run.sides.map((side) => [side.side, side.metrics]));
}

export function clusterScenarioNumber(scenario: ClusterScenario, all: readonly ClusterScenario[]): number {
  return all.indexOf(scenario) + 1;
}

/** The cluster demo without any display: what `npm run demo -- --cluster --json` writes and its test checks. */
export async function runClusterDemo(options: ClusterDemoOptions = {}): Promise<ClusterDemoReport> {
  const all = selectClusterScenarios(undefined);
  const scenarios = selectClusterScenarios(options.only);
  const startedAt = new Date();
  const started = performance.now();
  const lab = new ClusterLab();
  const results: ClusterDemoResult[] = [];
  try {
    for (const scenario of scenarios) {
      const run = await runClusterScenario(
        scenario,
        lab,
        options.tuning ?? DEFAULT_CLUSTER_TUNING,
        options.progress,
      );
      results.push({
        id: scenario.id,
        number: clusterScenarioNumber(scenario, all),
        title: scenario.title,
        cause: scenario.cause,
        topology: scenario.topology,
        goals: scenario.goals,
        run,
        verdict: verdictOf(scenario.goals, metricsBySide(run)),
      });
    }
  } finally {
    await lab.close();
  }
  const cpuList = cpus();
  return {
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    machine: {
      node: process.version,
      os: `${platform()} ${release()}`,
      cpus: cpuList.length,
      cpu: cpuList[0]?.model.trim() ?? 'unknown',
    },
    scenarios: results,
    passed: results.every((result) => result.verdict.goneawayMet),
  };
}
