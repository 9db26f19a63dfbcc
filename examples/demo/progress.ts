import { Listr, PRESET_TIMER } from 'listr2';
import { clientById } from './clients/index.js';
import { type DemoOptions, DemoSession, scenarioNumber } from './run-demo.js';
import type { Scenario, ScenarioResult, SideResult } from './scenario.js';
import { formatMs, since } from './timing.js';

interface ProgressContext {
  session?: DemoSession;
  readonly results: ScenarioResult[];
}

function sideWord(result: SideResult | undefined): string {
  if (!result) return '-';
  if (result.timedOut) return 'timed out';
  if (result.crashed) return 'demo error';
  const errors = result.errors.count === 0 ? 'ok' : `${result.errors.count} err`;
  const noise = result.noise.count > 0 ? `, ${result.noise.count} noise` : '';
  const hung = result.hung ? 'hung' : errors;
  return `${hung}${noise}`;
}

function doneTitle(result: ScenarioResult): string {
  const base = `${result.number}. ${result.title}`;
  if (result.skipped !== undefined) return base;
  const goneaway = `${result.goneaway?.met ? '✔' : '✖'} ${sideWord(result.goneaway)}`;
  return `${base} — bare: ${sideWord(result.bare)} · goneaway: ${goneaway}`;
}

/**
 * Runs the demo behind a live display: one line per scenario with a spinner, and the total elapsed in
 * the header. listr2 falls back to plain lines (its "simple" renderer) when stdout is not a TTY.
 */
export async function runWithProgress(
  options: DemoOptions,
  scenarios: readonly Scenario[],
): Promise<{ session: DemoSession; results: ScenarioResult[] }> {
  const started = performance.now();
  const tty = process.stdout.isTTY === true;
  const labels = clientById(options.client).labels;
  const title = `goneaway demo: ${labels.bare} vs ${labels.goneaway}`;
  const header = (elapsedMs: number) => (tty ? `${title} (${formatMs(elapsedMs)} elapsed)` : title);
  const setup = options.url
    ? 'Connect to the --url server, start the fault proxies'
    : 'Start two private MariaDB servers (wait_timeout 2 s, max_allowed_packet 1 MB) and fault proxies';
  const context: ProgressContext = { results: [] };
  let headerTask: { title: string } | undefined;
  const list = new Listr<ProgressContext>(
    [
      {
        title: header(0),
        task: (_, parent) => {
          headerTask = parent;
          return parent.newListr(
            [
              {
                title: setup,
                task: async (ctx) => {
                  ctx.session = await DemoSession.open(options);
                },
              },
              ...scenarios.map((scenario) => ({
                title: `${scenarioNumber(scenario)}. ${scenario.title}`,
                task: async (
                  ctx: ProgressContext,
                  task: { title: string; output: string; skip(reason: string): void },
                ) => {
                  const sidesDone: string[] = [];
                  const result = await ctx.session!.run(scenario, (side) => {
                    sidesDone.push(`${side.side} done: ${sideWord(side)}`);
                    if (tty) task.output = sidesDone.join(' · ');
                  });
                  ctx.results.push(result);
                  if (result.skipped !== undefined) {
                    task.skip(`${task.title}: skipped (${result.skipped})`);
                    return;
                  }
                  task.title = doneTitle(result);
                },
              })),
            ],
            { concurrent: false, exitOnError: true },
          );
        },
      },
    ],
    {
      ctx: context,
      exitOnError: true,
      registerSignalListeners: false,
      rendererOptions: { collapseSubtasks: false, timer: PRESET_TIMER },
      fallbackRendererOptions: { timer: PRESET_TIMER },
    },
  );
  // Only a live display can redraw a title; in plain-line mode each line carries its own duration.
  const ticker = tty
    ? setInterval(() => {
        if (headerTask) headerTask.title = header(since(started));
      }, 250)
    : undefined;
  try {
    await list.run();
  } catch (error) {
    await context.session?.close();
    throw error;
  } finally {
    clearInterval(ticker);
  }
  return { session: context.session!, results: context.results };
}
