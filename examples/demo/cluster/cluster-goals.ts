import {
  CLUSTER_SIDE_IDS,
  CLUSTER_SIDE_LABELS,
  type ClusterSideId,
  isGoneawaySide,
} from './cluster-sides.js';
import type { SideMetrics } from './measure-side.js';

/** The numbers of issue #17 ("Numbers to reach"), each a test on one side's metrics. */
export type GoalId =
  | 'detect-crash'
  | 'detect-blackhole'
  | 'read-gap'
  | 'first-write'
  | 'no-raw-errors'
  | 'no-refused-writes'
  | 'no-lost'
  | 'no-hung'
  | 'no-uncaught'
  | 'synced-before-traffic'
  | 'back-after-synced';

export interface Goal {
  readonly id: GoalId;
  readonly label: string;
  /** The goal as written beside the number ("≤ 1 s"). */
  readonly target: string;
  /** Only goneaway reports a detection time; bare clients have nothing to measure. */
  readonly goneawayOnly?: boolean;
  /** The measured value as shown, or null when this side did not measure it. */
  measured(metrics: SideMetrics): string | null;
  met(metrics: SideMetrics): boolean | null;
}

export function formatMs(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

const atMost = (value: number | null, limit: number): boolean | null =>
  value === null ? null : value <= limit;

export const GOALS: Readonly<Record<GoalId, Goal>> = {
  'detect-crash': {
    id: 'detect-crash',
    label: 'crash detected',
    target: '≤ 1 s',
    goneawayOnly: true,
    measured: (m) => (m.detectionMs === null ? null : formatMs(m.detectionMs)),
    met: (m) => atMost(m.detectionMs, 1_000),
  },
  'detect-blackhole': {
    id: 'detect-blackhole',
    label: 'blackhole detected',
    target: '≤ 3 s',
    goneawayOnly: true,
    measured: (m) => (m.detectionMs === null ? null : formatMs(m.detectionMs)),
    met: (m) => atMost(m.detectionMs, 3_000),
  },
  'read-gap': {
    id: 'read-gap',
    label: 'longest time without a successful read',
    target: '≤ 2 s',
    measured: (m) => `${m.readGapOpen ? '≥ ' : ''}${formatMs(m.readGapMs)}`,
    met: (m) => m.readGapMs <= 2_000,
  },
  'first-write': {
    id: 'first-write',
    label: 'first write after the writer is writable',
    target: '≤ 1 s',
    measured: (m) => (m.firstWriteMs === null ? 'none' : formatMs(m.firstWriteMs)),
    met: (m) => (m.firstWriteMs === null ? false : m.firstWriteMs <= 1_000),
  },
  'no-raw-errors': {
    id: 'no-raw-errors',
    label: 'raw (untyped) errors',
    target: '0',
    measured: (m) => String(m.rawErrors),
    met: (m) => m.rawErrors === 0,
  },
  'no-refused-writes': {
    id: 'no-refused-writes',
    label: 'writes on a read-only / non-primary node',
    target: '0',
    measured: (m) => String(m.refusedWrites),
    met: (m) => m.refusedWrites === 0,
  },
  'no-lost': {
    id: 'no-lost',
    label: 'acknowledged writes lost / duplicated',
    target: '0 / 0',
    measured: (m) => `${m.lost} / ${m.duplicated}`,
    met: (m) => m.lost === 0 && m.duplicated === 0,
  },
  'no-hung': {
    id: 'no-hung',
    label: 'workers hung at the end',
    target: '0',
    measured: (m) => String(m.hungWorkers),
    met: (m) => m.hungWorkers === 0,
  },
  'no-uncaught': {
    id: 'no-uncaught',
    label: 'uncaught exceptions (each ends the process)',
    target: '0',
    measured: (m) => String(m.uncaught),
    met: (m) => m.uncaught === 0,
  },
  'synced-before-traffic': {
    id: 'synced-before-traffic',
    label: 'statements on the node before it was Synced',
    target: '0',
    measured: (m) => (m.beforeSynced === null ? null : String(m.beforeSynced)),
    met: (m) => (m.beforeSynced === null ? null : m.beforeSynced === 0),
  },
  'back-after-synced': {
    id: 'back-after-synced',
    label: 'reads the node answered once Synced',
    target: '> 0',
    measured: (m) =>
      m.afterSynced === null ? null : m.afterSynced === 0 ? '0 (never back)' : String(m.afterSynced),
    met: (m) => (m.afterSynced === null ? null : m.afterSynced > 0),
  },
};

export interface GoalCheck {
  readonly goal: GoalId;
  readonly label: string;
  readonly target: string;
  readonly measured: string;
  /** null: not measurable on this side (a bare client has no detection). */
  readonly met: boolean | null;
}

/** Every goal of a scenario, on one side. */
export function checkSide(goals: readonly GoalId[], side: ClusterSideId, metrics: SideMetrics): GoalCheck[] {
  return goals.map((id) => {
    const goal = GOALS[id];
    const measurable = !(goal.goneawayOnly && !isGoneawaySide(side));
    const measured = measurable ? goal.measured(metrics) : null;
    return {
      goal: id,
      label: goal.label,
      target: goal.target,
      measured: measured ?? '–',
      met: measurable && measured !== null ? goal.met(metrics) : null,
    };
  });
}

/** "5/6": goals met out of those this side could be measured on. */
export function score(checks: readonly GoalCheck[]): { met: number; of: number } {
  const measured = checks.filter((check) => check.met !== null);
  return { met: measured.filter((check) => check.met === true).length, of: measured.length };
}

export interface ScenarioVerdict {
  /** Both goneaway sides met every goal of the scenario. */
  readonly goneawayMet: boolean;
  /** One line: goals met per side. */
  readonly text: string;
  /** The goals a goneaway side missed, for the summary. */
  readonly missed: readonly string[];
}

export function verdictOf(
  goals: readonly GoalId[],
  metrics: Readonly<Partial<Record<ClusterSideId, SideMetrics>>>,
): ScenarioVerdict {
  const parts: string[] = [];
  const missed: string[] = [];
  let goneawayMet = true;
  for (const side of CLUSTER_SIDE_IDS) {
    const sideMetrics = metrics[side];
    if (sideMetrics === undefined) {
      if (isGoneawaySide(side)) goneawayMet = false;
      parts.push(`${CLUSTER_SIDE_LABELS[side]}: did not run`);
      continue;
    }
    const checks = checkSide(goals, side, sideMetrics);
    const { met, of } = score(checks);
    parts.push(`${CLUSTER_SIDE_LABELS[side]} ${met}/${of}`);
    if (isGoneawaySide(side)) {
      for (const check of checks) {
        if (check.met === false || (check.met === null && GOALS[check.goal].goneawayOnly)) {
          goneawayMet = false;
          missed.push(
            `${CLUSTER_SIDE_LABELS[side]}: ${check.label} ${check.measured} (goal ${check.target})`,
          );
        }
      }
    }
  }
  return { goneawayMet, text: `goals met: ${parts.join(', ')}`, missed };
}
