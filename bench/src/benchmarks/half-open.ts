import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_POLICY } from '@goneaway/core';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { type Benchmark, type Check, type Side, verdictCell } from '../benchmark.js';
import { makeKnex, pluginCounters } from '../make-knex.js';
import { max, median, round } from '../sample-stats.js';

export interface HalfOpenConfig {
  /** Idle time before the blackhole: past goneaway's bypass window, so the next acquire validates. */
  readonly idleMs: number;
  /** Connections open in the pool when they go silent. */
  readonly openConnections: number;
  /** goneaway tries (each with its own pool); bare makes one, since it never returns. */
  readonly goneawayTries: number;
  /** How long bare knex's query is waited for before it is called hung. */
  readonly bareCapMs: number;
}

const FULL: HalfOpenConfig = { idleMs: 1000, openConnections: 2, goneawayTries: 5, bareCapMs: 30_000 };
const QUICK: HalfOpenConfig = { ...FULL, goneawayTries: 2, bareCapMs: 5000 };

/** Target of the issue: a half-open connection costs one ping timeout, plus a fresh connect. */
export const SLACK_MS = 100;

export interface HalfOpenTry {
  readonly side: Side;
  readonly index: number;
  readonly ok: boolean;
  /** Until the query settled, or the cap. */
  readonly ms: number;
  readonly hung: boolean;
  readonly errorCode: string | null;
  readonly validationPings: number;
  readonly evictions: number;
}

export interface HalfOpenSummary {
  readonly pingTimeoutMs: number;
  readonly targetMs: number;
  readonly bare: { readonly hung: boolean; readonly ms: number; readonly ok: boolean };
  readonly goneaway: {
    readonly tries: number;
    readonly ok: number;
    readonly medianMs: number;
    readonly worstMs: number;
    readonly pingsPerTry: number;
  };
}

/** Opens `connections` pooled connections, idles, blackholes them, then times one query. */
async function oneTry(
  side: Side,
  index: number,
  server: MariaDBServer,
  proxy: FaultProxy,
  config: HalfOpenConfig,
  capMs: number,
): Promise<HalfOpenTry> {
  const bench = makeKnex(side, proxy.route(server.connection), { min: config.openConnections, max: 10 });
  const { db } = bench;
  try {
    await Promise.all(Array.from({ length: config.openConnections }, () => db.raw('select sleep(0.05)')));
    await sleep(config.idleMs);
    proxy.blackholeExisting();
    const started = performance.now();
    const query = db.raw('select 1').then(
      () => ({ ok: true, errorCode: null }),
      (error: unknown) => ({
        ok: false,
        errorCode: String((error as { code?: unknown })?.code ?? 'unknown'),
      }),
    );
    const cap = new AbortController();
    const outcome = await Promise.race([
      query,
      sleep(capMs, undefined, { signal: cap.signal }).then(
        () => undefined,
        () => undefined,
      ),
    ]);
    cap.abort();
    const ms = round(performance.now() - started, 1);
    const counters = pluginCounters(bench);
    // Free whatever is stuck on a silent socket so the pool can be destroyed.
    proxy.resetAll();
    await query;
    return {
      side,
      index,
      ok: outcome?.ok === true,
      ms,
      hung: outcome === undefined,
      errorCode: outcome?.errorCode ?? null,
      validationPings: counters.validationPings,
      evictions: counters.evictions,
    };
  } finally {
    await bench.destroy();
  }
}

export const halfOpen: Benchmark<HalfOpenConfig, HalfOpenSummary, HalfOpenTry[]> = {
  name: 'half-open',
  title: '4. Half-open detection: idle connections silently dropped (no FIN, no RST)',
  needsControl: false,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB();
    // One proxy per side: blackholing is per proxy, and bare's hung query runs alongside goneaway's tries.
    const bareProxy = await startFaultProxy(server.port);
    const goneawayProxy = await startFaultProxy(server.port);
    try {
      const mariadbVersion = await server.version();
      context.progress(
        `bare: waiting up to ${config.bareCapMs / 1000} s for a query on a half-open connection`,
      );
      const bareTry = oneTry('bare', 0, server, bareProxy, config, config.bareCapMs);
      const goneawayTries: HalfOpenTry[] = [];
      for (let index = 0; index < config.goneawayTries; index++) {
        context.progress(`goneaway: try ${index + 1}/${config.goneawayTries} (bare still waiting)`);
        goneawayTries.push(await oneTry('goneaway', index, server, goneawayProxy, config, config.bareCapMs));
      }
      const bare = await bareTry;
      const pingTimeoutMs = DEFAULT_POLICY.validation.pingTimeoutMs;
      const times = goneawayTries.map((item) => item.ms);
      const summary: HalfOpenSummary = {
        pingTimeoutMs,
        targetMs: pingTimeoutMs + SLACK_MS,
        bare: { hung: bare.hung, ms: bare.ms, ok: bare.ok },
        goneaway: {
          tries: goneawayTries.length,
          ok: goneawayTries.filter((item) => item.ok).length,
          medianMs: round(median(times), 1),
          worstMs: round(max(times), 1),
          pingsPerTry: round(
            goneawayTries.reduce((sum, item) => sum + item.validationPings, 0) / goneawayTries.length,
            2,
          ),
        },
      };
      return { mariadbVersion, checks: halfOpenChecks(summary), summary, samples: [bare, ...goneawayTries] };
    } finally {
      await bareProxy.close();
      await goneawayProxy.close();
      await server.destroy();
    }
  },

  table(result) {
    const { summary, config } = result;
    const bare = summary.bare.hung
      ? `hung (gave up after ${(summary.bare.ms / 1000).toFixed(0)} s)`
      : `${summary.bare.ok ? 'ok' : 'failed'} after ${Math.round(summary.bare.ms)} ms`;
    const met =
      summary.goneaway.ok === summary.goneaway.tries && summary.goneaway.worstMs <= summary.targetMs;
    return {
      head: [
        '',
        'bare knex',
        'knex + goneaway',
        `target (ping timeout ${summary.pingTimeoutMs} ms + ${SLACK_MS})`,
      ],
      rows: [
        [
          'next query on a blackholed idle pool',
          { text: bare, tone: summary.bare.hung ? ('bad' as const) : ('plain' as const) },
          verdictCell(
            `${summary.goneaway.ok}/${summary.goneaway.tries} ok; median ${Math.round(summary.goneaway.medianMs)} ms, worst ${Math.round(summary.goneaway.worstMs)} ms`,
            met,
          ),
          `≤ ${summary.targetMs} ms`,
        ],
        ['validation pings per try', '–', String(summary.goneaway.pingsPerTry), '1'],
      ],
      notes: [
        `${config.openConnections} pooled connections idle for ${config.idleMs} ms (past the ${DEFAULT_POLICY.validation.bypassWindowMs} ms bypass window), then the proxy blackholes them: nothing forwarded, no FIN, no RST, as a NAT or firewall that forgot the flow.`,
      ],
    };
  },
};

function halfOpenChecks(summary: HalfOpenSummary): Check[] {
  return [
    {
      label: 'query on a half-open idle connection succeeds (goneaway)',
      target: `≤ ${summary.targetMs} ms`,
      measured: `${summary.goneaway.ok}/${summary.goneaway.tries} ok, worst ${Math.round(summary.goneaway.worstMs)} ms (bare: ${summary.bare.hung ? `hung past ${Math.round(summary.bare.ms / 1000)} s` : `${Math.round(summary.bare.ms)} ms`})`,
      met: summary.goneaway.ok === summary.goneaway.tries && summary.goneaway.worstMs <= summary.targetMs,
    },
  ];
}
