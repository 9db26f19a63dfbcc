import { checkSide, formatMs, GOALS, type GoalId } from './cluster-goals.js';
import type { ClusterScenario } from './cluster-scenarios.js';
import { CLUSTER_SIDE_IDS, CLUSTER_SIDE_LABELS, type ClusterSideId } from './cluster-sides.js';
import type { SideMetrics } from './measure-side.js';

export type CellTone = 'good' | 'bad' | 'plain' | 'dim';
export interface TableCell {
  readonly text: string;
  readonly tone: CellTone;
}

/** One line of a scenario's table: a metric for every side, and the goal when the scenario has one. */
interface RowSpec {
  readonly label: string;
  /** The label in this scenario, when it reads differently there. */
  labelIn?(scenario: ClusterScenario): string;
  readonly goal?: GoalId;
  /** Shown only for some scenarios (e.g. the rejoin's "before Synced"). */
  readonly when?: (scenario: ClusterScenario) => boolean;
  show(metrics: SideMetrics, side: ClusterSideId): string;
}

const ROWS: readonly RowSpec[] = [
  { label: 'statements ok', show: (m) => m.ok.toLocaleString('en-US') },
  { label: 'errors: typed / raw', goal: 'no-raw-errors', show: (m) => `${m.typedErrors} / ${m.rawErrors}` },
  { label: 'most frequent raw error', show: (m) => m.topRawCode ?? '–' },
  { label: GOALS['read-gap'].label, goal: 'read-gap', show: (m) => GOALS['read-gap'].measured(m) ?? '–' },
  {
    label: GOALS['first-write'].label,
    goal: 'first-write',
    when: (scenario) => scenario.goals.includes('first-write'),
    show: (m) => GOALS['first-write'].measured(m) ?? '–',
  },
  {
    label: GOALS['no-refused-writes'].label,
    goal: 'no-refused-writes',
    show: (m) => String(m.refusedWrites),
  },
  {
    label: GOALS['synced-before-traffic'].label,
    goal: 'synced-before-traffic',
    when: (scenario) => scenario.goals.includes('synced-before-traffic'),
    show: (m) => (m.beforeSynced === null ? '–' : String(m.beforeSynced)),
  },
  {
    label: 'reads the node answered once Synced',
    when: (scenario) => scenario.goals.includes('synced-before-traffic'),
    show: (m) =>
      m.afterSynced === null ? '–' : m.afterSynced === 0 ? '0 (never back)' : String(m.afterSynced),
  },
  { label: GOALS['no-lost'].label, goal: 'no-lost', show: (m) => `${m.lost} / ${m.duplicated}` },
  { label: 'failed writes that had in fact committed', show: (m) => String(m.committedThoughFailed) },
  { label: GOALS['no-hung'].label, goal: 'no-hung', show: (m) => String(m.hungWorkers) },
  { label: 'lines the client printed itself', show: (m) => String(m.noiseLines) },
  { label: GOALS['no-uncaught'].label, goal: 'no-uncaught', show: (m) => String(m.uncaught) },
  {
    label: 'goneaway saw it (its first event)',
    labelIn: (scenario) =>
      scenario.goals.includes('synced-before-traffic')
        ? 'goneaway took the node back, after Synced'
        : 'goneaway saw it (its first event)',
    show: (m, side) =>
      side.startsWith('goneaway') ? (m.detectionMs === null ? 'no event' : formatMs(m.detectionMs)) : '–',
  },
];

/** The goal a row is judged on in this scenario, if any (detection rows take the scenario's own). */
function goalOfRow(row: RowSpec, scenario: ClusterScenario): GoalId | undefined {
  if (row.label.startsWith('goneaway saw it')) {
    return scenario.goals.find((goal) => goal === 'detect-crash' || goal === 'detect-blackhole');
  }
  return row.goal !== undefined && scenario.goals.includes(row.goal) ? row.goal : undefined;
}

export interface ScenarioTable {
  readonly head: readonly string[];
  readonly rows: readonly (readonly TableCell[])[];
}

/**
 * One scenario's side-by-side table: a row per metric, its goal from issue #17, a column per side.
 * `worst` (the bench's repetitions) adds "(worst …)" where it differs; goals are judged on the worst.
 */
export function scenarioTable(
  scenario: ClusterScenario,
  metrics: Readonly<Partial<Record<ClusterSideId, SideMetrics>>>,
  worst?: Readonly<Partial<Record<ClusterSideId, SideMetrics>>>,
): ScenarioTable {
  const head = ['', 'goal', ...CLUSTER_SIDE_IDS.map((side) => CLUSTER_SIDE_LABELS[side])];
  const rows: TableCell[][] = [];
  for (const row of ROWS) {
    if (row.when && !row.when(scenario)) continue;
    const goal = goalOfRow(row, scenario);
    const cells: TableCell[] = [
      { text: row.labelIn?.(scenario) ?? row.label, tone: 'plain' },
      { text: goal ? GOALS[goal].target : '', tone: 'dim' },
    ];
    for (const side of CLUSTER_SIDE_IDS) {
      const value = metrics[side];
      if (value === undefined) {
        cells.push({ text: 'did not run', tone: 'dim' });
        continue;
      }
      const judged = worst?.[side] ?? value;
      const shown = row.show(value, side);
      const worstShown = worst?.[side] ? row.show(judged, side) : shown;
      const text = worstShown === shown ? shown : `${shown} (worst ${worstShown})`;
      const check = goal ? checkSide([goal], side, judged)[0] : undefined;
      const met = check?.met ?? null;
      cells.push({
        text: met === null ? text : `${text} ${met ? '✓' : '✗'}`,
        tone: met === null ? 'plain' : met ? 'good' : 'bad',
      });
    }
    rows.push(cells);
  }
  return { head, rows };
}
