import { type DemoClient, type PluginActivity, sumActivity } from './clients/app-db.js';
import { decideVerdict } from './decide-verdict.js';
import type { DemoLane } from './demo-lane.js';
import type { Scenario, ScenarioResult, SideFacts, SideName, SideOutcome, SideResult } from './scenario.js';
import { createSide, destroyAll, SideRecorder } from './sides.js';
import { capped, since } from './timing.js';

export interface ScenarioRunContext {
  readonly lanes: Readonly<Record<SideName, DemoLane>>;
  /** The library both sides use (the demo's `--client`): bare on one side, with goneaway on the other. */
  readonly client: DemoClient;
  /** Called as each side finishes, for the live progress display. */
  readonly onSideDone?: (result: SideResult) => void;
}

const DESTROY_CAP_MS = 3000;

export function missingCapabilities(scenario: Scenario, lane: DemoLane): string[] {
  return scenario.needs.filter((need) => !lane.capabilities.has(need));
}

const CAPABILITY_REASON: Record<string, string> = {
  kill: 'KILL other sessions',
  restart: 'stop and restart the server',
  reconfigure: 'change global settings (wait_timeout, read_only)',
  proxy: 'put the fault proxy in front of it (loopback only)',
};

async function runSide(
  scenario: Scenario,
  name: SideName,
  lane: DemoLane,
  client: DemoClient,
): Promise<SideResult> {
  const expectation = client.expectations?.[scenario.id]?.[name] ?? scenario.expect[name];
  const recorder = new SideRecorder();
  const abort = new AbortController();
  const started = performance.now();
  let outcome: SideOutcome | undefined;
  let crashed: string | undefined;
  let timedOut = false;
  const side = createSide(name, client, recorder, abort.signal);
  const running = scenario.run(side, lane).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const settled = await capped(running, scenario.timeoutMs);
  if (!settled.settled) {
    timedOut = true;
    abort.abort();
    lane.proxy?.resetAll();
  } else if (settled.ok) {
    const ran = settled.value;
    if ('value' in ran) {
      outcome = ran.value;
    } else {
      crashed =
        ran.error instanceof Error
          ? `${ran.error.name}: ${ran.error.message.slice(0, 200)}`
          : String(ran.error);
    }
  }
  const durationMs = since(started);
  let activity: PluginActivity | undefined;
  if (name === 'goneaway' && recorder.opened.length > 0) {
    try {
      activity = sumActivity(recorder.opened.map((handle) => handle.activity()));
    } catch {
      // Counters are a bonus for the report; their absence must not fail the row.
    }
  }
  await destroyAll(recorder.opened, DESTROY_CAP_MS, () => lane.proxy?.resetAll());
  const facts: SideFacts = {
    side: name,
    saw: timedOut
      ? `did not finish within ${scenario.timeoutMs / 1000} s`
      : (outcome?.saw ?? `demo error: ${crashed ?? 'unknown'}`),
    errors: { count: recorder.errors.length, first: recorder.firstError() },
    noise: { count: recorder.noise.length, first: recorder.noise[0] },
    durationMs,
    hung: outcome?.hung === true,
    timedOut,
    crashed,
    metrics: outcome?.metrics ?? {},
    activity,
  };
  const met = crashed === undefined && !timedOut && expectation.check(facts);
  return { ...facts, expectation: expectation.text, met };
}

/** Runs one scenario's bare and goneaway sides at the same time, each on its own lane. */
export async function runScenario(
  scenario: Scenario,
  number: number,
  context: ScenarioRunContext,
): Promise<ScenarioResult> {
  const base = { id: scenario.id, number, title: scenario.title, cause: scenario.cause };
  const missing = missingCapabilities(scenario, context.lanes.bare);
  if (missing.length > 0) {
    const reason = `needs to ${missing.map((need) => CAPABILITY_REASON[need] ?? need).join(', ')}: not done to a server given with --url`;
    return {
      ...base,
      skipped: reason,
      bare: undefined,
      goneaway: undefined,
      verdict: 'skipped',
      why: reason,
      durationMs: 0,
    };
  }
  const started = performance.now();
  const sides = (['bare', 'goneaway'] as const).map(async (name) => {
    const result = await runSide(scenario, name, context.lanes[name], context.client);
    context.onSideDone?.(result);
    return result;
  });
  const [bare, goneaway] = await Promise.all(sides);
  const { verdict, why } = decideVerdict(scenario, bare!, goneaway!, goneaway!.met);
  return { ...base, skipped: undefined, bare, goneaway, verdict, why, durationMs: since(started) };
}
