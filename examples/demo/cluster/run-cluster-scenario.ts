import { setTimeout as delay } from 'node:timers/promises';
import type { GaleraNode } from '@goneaway/test-harness';
import { runWorkload, type Workload } from '@goneaway/test-harness';
import { type ClusterLab, galeraWriter } from './cluster-lab.js';
import type { ClusterScenario, ClusterStage, FaultMarks } from './cluster-scenarios.js';
import {
  CLUSTER_SIDE_IDS,
  type ClusterSideId,
  type ClusterTarget,
  type HostAddress,
  type OpenedSide,
  openSide,
} from './cluster-sides.js';
import { measureSide, type SideMetrics } from './measure-side.js';

/** How each run is paced; the test uses shorter observation windows. */
export interface ClusterRunTuning {
  /** Workers per side: half only read, half only insert. */
  readonly workers: number;
  /** Before the workload starts: goneaway's monitor probes every host (1 s apart by default) and elects. */
  readonly warmUpMs: number;
  /** Workload running before the fault. */
  readonly baselineMs: number;
  /** Multiplies each scenario's own observation time after the fault. */
  readonly observeFactor: number;
  /** Workers still in a statement this long after the stop are counted as hung. */
  readonly hangCapMs: number;
}

export const DEFAULT_CLUSTER_TUNING: ClusterRunTuning = Object.freeze({
  workers: 6,
  warmUpMs: 2_500,
  baselineMs: 1_000,
  observeFactor: 1,
  hangCapMs: 3_000,
});

export interface ClusterSideResult {
  readonly side: ClusterSideId;
  readonly metrics: SideMetrics;
  /** The raw codes and how often they reached the application (a bare side's 1047s, ECONNREFUSEDs…). */
  readonly failures: Readonly<Record<string, number>>;
}

export interface ClusterScenarioRun {
  readonly id: string;
  readonly failingNode: string;
  readonly marks: {
    readonly failedAfterMs: number | null;
    readonly writableAfterMs: number | null;
    readonly syncedAfterMs: number | null;
  };
  readonly observedMs: number;
  readonly sides: readonly ClusterSideResult[];
}

interface Running {
  readonly opened: OpenedSide;
  readonly idBase: number;
  readonly workload: Workload;
}

const CLOSE_CAP_MS = 15_000;

function capped<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]);
}

async function stageFor(scenario: ClusterScenario, lab: ClusterLab): Promise<ClusterStage> {
  if (scenario.topology === 'galera') {
    const cluster = await lab.galera();
    return { topology: 'galera', cluster, node: await galeraWriter(cluster) };
  }
  const pair = await lab.pair();
  return { topology: 'replication', pair, node: pair.primary };
}

/** The hosts every side is given: the failing node first, then the others; through the proxies when asked. */
function targetOf(
  scenario: ClusterScenario,
  stage: ClusterStage,
): { target: ClusterTarget; failingKey: string } {
  const servers =
    stage.topology === 'galera'
      ? [stage.node, ...stage.cluster.nodes.filter((node) => node !== stage.node)]
      : [stage.node, ...stage.pair.servers.filter((server) => server !== stage.node)];
  const hosts: HostAddress[] = servers.map((server) => {
    const proxy = scenario.proxied ? (server as GaleraNode).proxy : undefined;
    if (scenario.proxied && proxy === undefined)
      throw new Error(`${scenario.id} needs a fault proxy per node`);
    return proxy ? { host: proxy.host, port: proxy.port } : { host: server.host, port: server.port };
  });
  const { user, password, database } = stage.node.connection;
  const first = hosts[0] as HostAddress;
  return {
    target: { flavor: stage.topology, hosts, user, password, database },
    failingKey: `${first.host}:${first.port}`,
  };
}

/** A probe INSERT taking longer than this was stalled (Galera holds writes while it re-forms its component). */
const STALLED_MS = 300;

/**
 * Galera: a root INSERT in a loop on another node, from the fault on. A writer "is writable again" at
 * the end of the first quick, successful probe after the last failed or stalled one (Galera stalls
 * every write while it evicts a node); with no failed or stalled probe it never stopped being writable.
 */
function probeWritable(stage: ClusterStage, signal: AbortSignal): Promise<number | undefined> {
  if (stage.topology !== 'galera') return Promise.resolve(undefined);
  const node = stage.cluster.nodes.find((each) => each !== stage.node && each.running);
  if (node === undefined) return Promise.resolve(undefined);
  return (async () => {
    let writableAt: number | undefined;
    while (!signal.aborted) {
      const started = performance.now();
      let ok = true;
      try {
        await node.query('INSERT INTO goneaway.probe () VALUES ()');
      } catch {
        ok = false;
      }
      const ended = performance.now();
      if (!ok || ended - started > STALLED_MS) writableAt = undefined;
      else writableAt ??= ended;
      await delay(50);
    }
    return writableAt;
  })();
}

async function ledgerOf(stage: ClusterStage, side: ClusterSideId): Promise<Map<number, number>> {
  const rows = await (stage.topology === 'galera' ? stage.node : stage.pair.primary).query<{
    id: number;
    n: number;
  }>('SELECT id, COUNT(*) AS n FROM goneaway.ledger WHERE side = ? GROUP BY id', [side]);
  return new Map(rows.map((row) => [Number(row.id), Number(row.n)]));
}

/**
 * One scenario, every side at once against the same fault: open the four clients, run the same
 * workload on each, inject the fault, keep going for the scenario's observation time, stop (counting
 * hung workers), heal the servers, then check each side's acknowledged inserts against the ledger.
 */
export async function runClusterScenario(
  scenario: ClusterScenario,
  lab: ClusterLab,
  tuning: ClusterRunTuning = DEFAULT_CLUSTER_TUNING,
  progress: (text: string) => void = () => undefined,
): Promise<ClusterScenarioRun> {
  const stage = await stageFor(scenario, lab);
  const { target, failingKey } = targetOf(scenario, stage);
  const failingName = stage.topology === 'galera' ? stage.node.name : `primary :${stage.node.port}`;
  progress(`${scenario.title}: preparing (${failingName} will fail)`);
  await scenario.prepare?.(stage);
  const running: Running[] = [];
  let healed = false;
  // mysql2's PoolCluster ends a removed node's pool without a callback: an error closing its
  // connections is thrown from that callback, where no application code can catch it (the process
  // would exit). Counted for the PoolCluster side, which then has a 'removed' event; anything else is a
  // bug of this program and fails the scenario.
  const uncaught: Array<{ at: number; error: unknown }> = [];
  const onUncaught = (error: unknown) => uncaught.push({ at: performance.now(), error });
  process.on('uncaughtException', onUncaught);
  try {
    for (const side of CLUSTER_SIDE_IDS) {
      const opened = openSide(side, target);
      running.push({ opened, idBase: lab.idBase(), workload: undefined as unknown as Workload });
    }
    // One read each opens the pools (a bare side pointed at a node that is down just fails here).
    await Promise.allSettled(running.map((run) => run.opened.calls.read()));
    await delay(tuning.warmUpMs);
    for (const [index, run] of running.entries()) {
      running[index] = {
        ...run,
        workload: runWorkload(run.opened.calls, run.idBase, tuning.workers, { separateReadsAndWrites: true }),
      };
    }
    progress(`${scenario.title}: workload running`);
    await delay(tuning.baselineMs);
    const faultAt = performance.now();
    const stopProbe = new AbortController();
    const writable = scenario.probeWritable ? probeWritable(stage, stopProbe.signal) : undefined;
    progress(`${scenario.title}: ${scenario.cause}`);
    const injected: FaultMarks = await scenario.inject(stage);
    await delay(scenario.observeMs * tuning.observeFactor);
    const stopAt = performance.now();
    stopProbe.abort();
    const writableAt = injected.writableAt ?? (writable && (await capped(writable, CLOSE_CAP_MS)));
    const marks: FaultMarks = { ...injected, ...(writableAt === undefined ? {} : { writableAt }) };
    progress(`${scenario.title}: stopping the workloads`);
    const reports = await Promise.all(
      running.map((run) => run.workload.stop({ hangCapMs: tuning.hangCapMs })),
    );
    progress(`${scenario.title}: healing the servers`);
    await scenario.heal(stage);
    healed = true;
    // Hung workers end once the fault is healed (a proxy reset); a worker hung beyond that is still counted.
    await Promise.all(running.map((run) => capped(run.workload.finished, CLOSE_CAP_MS)));
    const poolCluster = running.find((run) => run.opened.id === 'pool-cluster');
    const removedAt = poolCluster?.opened.events.find((event) => event.type === 'removed')?.at;
    const unexplained = uncaught.filter((entry) => removedAt === undefined || entry.at < removedAt);
    if (unexplained.length > 0) throw unexplained[0]?.error;
    const sides: ClusterSideResult[] = [];
    for (const [index, run] of running.entries()) {
      const report = reports[index];
      if (report === undefined) continue;
      const metrics = measureSide({
        report,
        events: run.opened.id.startsWith('goneaway') ? run.opened.events : undefined,
        faultAt,
        stopAt,
        marks,
        failingKey,
        failingPort: stage.node.port,
        idBase: run.idBase,
        ledger: await ledgerOf(stage, run.opened.id),
        uncaught: run.opened.id === 'pool-cluster' ? uncaught.length : 0,
        noiseLines: run.opened.noise.length,
      });
      const failures: Record<string, number> = {};
      for (const failure of report.failureLog) failures[failure.code] = (failures[failure.code] ?? 0) + 1;
      sides.push({ side: run.opened.id, metrics, failures });
    }
    const after = (at: number | undefined) => (at === undefined ? null : Math.round(at - faultAt));
    return {
      id: scenario.id,
      failingNode: failingName,
      marks: {
        failedAfterMs: after(marks.failedAt),
        writableAfterMs: after(marks.writableAt),
        syncedAfterMs: after(marks.syncedAt),
      },
      observedMs: Math.round(stopAt - faultAt),
      sides,
    };
  } finally {
    if (!healed) await scenario.heal(stage).catch(() => undefined);
    await Promise.allSettled(running.map((run) => capped(run.opened.close(), CLOSE_CAP_MS)));
    process.off('uncaughtException', onUncaught);
  }
}
