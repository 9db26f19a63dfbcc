import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_POLICY } from '@goneaway/core';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import mariadb from 'mariadb';
import { type Benchmark, type Check, verdictCell } from '../benchmark.js';
import { makeKnex, pluginCounters } from '../make-knex.js';
import { max, median, round } from '../sample-stats.js';

export interface HalfOpenConfig {
  /** Idle time before the blackhole: past every pool's validation window (goneaway's and mariadb's 500 ms). */
  readonly idleMs: number;
  /** Connections open in the pool when they go silent. */
  readonly openConnections: number;
  /** goneaway tries (each with its own pool), and as many of MariaDB Connector/Node's pool; bare makes one, since it never returns. */
  readonly goneawayTries: number;
  /** How long bare knex's query is waited for before it is called hung. */
  readonly bareCapMs: number;
  /** Tries per side of the event-loop stall (a healthy pool whose validation ping meets a blocked loop). */
  readonly stallTries: number;
  /** How long the event loop is blocked, right after a validation ping is sent. */
  readonly stallMs: number;
}

const FULL: HalfOpenConfig = {
  idleMs: 1000,
  openConnections: 2,
  goneawayTries: 5,
  bareCapMs: 30_000,
  stallTries: 3,
  stallMs: 400,
};
const QUICK: HalfOpenConfig = { ...FULL, goneawayTries: 2, bareCapMs: 5000, stallTries: 2 };

/** The issue's target: a half-open idle connection replaced within this (MariaDB Connector/Node: ~255 ms). */
export const TARGET_MS = 300;
/** After the stalled query, how long new connections are still counted (a pool refilling its minimum). */
const REFILL_MS = 300;

/** 'bare' and 'goneaway': knex (mysql2); 'mariadb': MariaDB Connector/Node's own pool, with its defaults. */
export type HalfOpenSide = 'bare' | 'goneaway' | 'mariadb';

export interface HalfOpenTry {
  readonly side: HalfOpenSide;
  /** 'half-open': the idle connections were blackholed; 'stall': healthy, the event loop blocked while the ping was in flight. */
  readonly kind: 'half-open' | 'stall';
  readonly index: number;
  readonly ok: boolean;
  /** Until the query settled, or the cap. */
  readonly ms: number;
  readonly hung: boolean;
  readonly errorCode: string | null;
  readonly validationPings: number;
  /** goneaway's evicted events (0 for the others, which have none). */
  readonly evictions: number;
  /** Connections made from the query on (stall tries: each replaces a healthy connection the pool dropped). */
  readonly newConnections: number;
}

interface SideSummary {
  readonly tries: number;
  readonly ok: number;
  readonly medianMs: number;
  readonly worstMs: number;
}

export interface HalfOpenSummary {
  readonly targetMs: number;
  readonly bare: { readonly hung: boolean; readonly ms: number; readonly ok: boolean };
  readonly goneaway: SideSummary & { readonly pingsPerTry: number };
  readonly mariadb: SideSummary;
  /** Healthy connections dropped because a validation ping met a stalled event loop. */
  readonly stall: {
    readonly stallMs: number;
    readonly tries: number;
    readonly goneawayFalseEvictions: number;
    readonly mariadbFalseEvictions: number;
  };
}

/** A pool of either library, as the benchmark drives it. */
interface BenchPool {
  query(sql: string): Promise<void>;
  /** The driver connections sitting idle in the pool (knex only: the stall is injected into their ping). */
  idleConnections(): Array<{ ping: (callback: unknown) => void }>;
  counters(): { validationPings: number; evictions: number };
  destroy(): Promise<void>;
}

function openPool(
  side: HalfOpenSide,
  proxy: FaultProxy,
  server: MariaDBServer,
  connections: number,
): BenchPool {
  const route = proxy.route(server.connection);
  if (side === 'mariadb') {
    // What a user of MariaDB Connector/Node writes: its defaults (minDelayValidation 500 ms, pingTimeout 250 ms).
    const pool = mariadb.createPool({ ...route, connectionLimit: 10, minimumIdle: connections });
    return {
      query: async (sql) => {
        await pool.query(sql);
      },
      idleConnections: () => [],
      counters: () => ({ validationPings: 0, evictions: 0 }),
      destroy: () => pool.end(),
    };
  }
  const bench = makeKnex(side, route, { min: connections, max: 10 });
  return {
    query: async (sql) => {
      await bench.db.raw(sql);
    },
    idleConnections: () =>
      (
        bench.db.client as { pool?: { free: Array<{ resource: { ping: (callback: unknown) => void } }> } }
      ).pool?.free.map((item) => item.resource) ?? [],
    counters: () => pluginCounters(bench),
    destroy: () => bench.destroy(),
  };
}

/** Blocks the event loop: what a long synchronous task (or a GC pause) does to every timer and socket. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // blocked
  }
}

/** Opens `openConnections` pooled connections, idles, then times one query after `fault`. */
async function oneTry(
  side: HalfOpenSide,
  kind: HalfOpenTry['kind'],
  index: number,
  server: MariaDBServer,
  proxy: FaultProxy,
  config: HalfOpenConfig,
  capMs: number,
): Promise<HalfOpenTry> {
  const pool = openPool(side, proxy, server, config.openConnections);
  try {
    await Promise.all(Array.from({ length: config.openConnections }, () => pool.query('select sleep(0.05)')));
    await sleep(config.idleMs);
    if (kind === 'half-open') {
      proxy.blackholeExisting();
    } else if (side === 'mariadb') {
      // mariadb pings inside getConnection(), synchronously: the query below starts with the ping in flight.
    } else {
      // knex acquires asynchronously: the stall is set off by the ping itself, right after it is sent.
      for (const connection of pool.idleConnections()) {
        const ping = connection.ping;
        connection.ping = function (this: unknown, callback: unknown) {
          setImmediate(() => {
            ping.call(this, callback);
            blockEventLoop(config.stallMs);
          });
        };
      }
    }
    const before = pool.counters();
    const acceptedBefore = proxy.stats.accepted;
    // Started in a check phase, as a stall may be: Node runs expired timers before it reads sockets.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const started = performance.now();
    const query = pool.query('select 1').then(
      () => ({ ok: true, errorCode: null }),
      (error: unknown) => ({
        ok: false,
        errorCode: String((error as { code?: unknown })?.code ?? 'unknown'),
      }),
    );
    if (kind === 'stall' && side === 'mariadb') blockEventLoop(config.stallMs);
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
    if (kind === 'stall') await sleep(REFILL_MS);
    const after = pool.counters();
    const newConnections = proxy.stats.accepted - acceptedBefore;
    // Free whatever is stuck on a silent socket so the pool can be destroyed.
    proxy.resetAll();
    await query;
    return {
      side,
      kind,
      index,
      ok: outcome?.ok === true,
      ms,
      hung: outcome === undefined,
      errorCode: outcome?.errorCode ?? null,
      validationPings: after.validationPings - before.validationPings,
      evictions: after.evictions - before.evictions,
      newConnections,
    };
  } finally {
    await pool.destroy();
  }
}

function summarize(tries: readonly HalfOpenTry[]): SideSummary {
  const times = tries.map((item) => item.ms);
  return {
    tries: tries.length,
    ok: tries.filter((item) => item.ok).length,
    medianMs: round(median(times), 1),
    worstMs: round(max(times), 1),
  };
}

export const halfOpen: Benchmark<HalfOpenConfig, HalfOpenSummary, HalfOpenTry[]> = {
  name: 'half-open',
  title: '4. Half-open detection: idle connections silently dropped (no FIN, no RST)',
  needsControl: false,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB();
    // One proxy for bare (its hung query runs alongside), one for the timed tries, one without faults
    // for the stall tries (blackholing is per proxy; `accepted` counts the connections each side made).
    const bareProxy = await startFaultProxy(server.port);
    const triesProxy = await startFaultProxy(server.port);
    const stallProxy = await startFaultProxy(server.port);
    try {
      const mariadbVersion = await server.version();
      context.progress(
        `bare: waiting up to ${config.bareCapMs / 1000} s for a query on a half-open connection`,
      );
      const bareTry = oneTry('bare', 'half-open', 0, server, bareProxy, config, config.bareCapMs);
      const tries: HalfOpenTry[] = [];
      for (let index = 0; index < config.goneawayTries; index++) {
        for (const side of ['goneaway', 'mariadb'] as const) {
          context.progress(
            `${side}: half-open try ${index + 1}/${config.goneawayTries} (bare still waiting)`,
          );
          tries.push(await oneTry(side, 'half-open', index, server, triesProxy, config, config.bareCapMs));
        }
      }
      for (let index = 0; index < config.stallTries; index++) {
        for (const side of ['goneaway', 'mariadb'] as const) {
          context.progress(
            `${side}: ${config.stallMs} ms event-loop stall, try ${index + 1}/${config.stallTries}`,
          );
          tries.push(await oneTry(side, 'stall', index, server, stallProxy, config, config.bareCapMs));
        }
      }
      const bare = await bareTry;
      const of = (side: HalfOpenSide, kind: HalfOpenTry['kind']) =>
        tries.filter((item) => item.side === side && item.kind === kind);
      const goneawayTries = of('goneaway', 'half-open');
      const falseEvictions = (side: HalfOpenSide) =>
        of(side, 'stall').reduce((sum, item) => sum + item.newConnections, 0);
      const summary: HalfOpenSummary = {
        targetMs: TARGET_MS,
        bare: { hung: bare.hung, ms: bare.ms, ok: bare.ok },
        goneaway: {
          ...summarize(goneawayTries),
          pingsPerTry: round(
            goneawayTries.reduce((sum, item) => sum + item.validationPings, 0) / goneawayTries.length,
            2,
          ),
        },
        mariadb: summarize(of('mariadb', 'half-open')),
        stall: {
          stallMs: config.stallMs,
          tries: config.stallTries,
          goneawayFalseEvictions: falseEvictions('goneaway'),
          mariadbFalseEvictions: falseEvictions('mariadb'),
        },
      };
      return { mariadbVersion, checks: halfOpenChecks(summary), summary, samples: [bare, ...tries] };
    } finally {
      await bareProxy.close();
      await triesProxy.close();
      await stallProxy.close();
      await server.destroy();
    }
  },

  table(result) {
    const { summary, config } = result;
    const bare = summary.bare.hung
      ? `hung (gave up after ${(summary.bare.ms / 1000).toFixed(0)} s)`
      : `${summary.bare.ok ? 'ok' : 'failed'} after ${Math.round(summary.bare.ms)} ms`;
    const timed = (side: SideSummary) =>
      `${side.ok}/${side.tries} ok; median ${Math.round(side.medianMs)} ms, worst ${Math.round(side.worstMs)} ms`;
    const [replaced, noFalse] = halfOpenChecks(summary);
    return {
      head: ['', 'bare knex', 'knex + goneaway', 'MariaDB Connector/Node pool', 'target'],
      rows: [
        [
          'next query on a blackholed idle pool',
          { text: bare, tone: summary.bare.hung ? ('bad' as const) : ('plain' as const) },
          verdictCell(timed(summary.goneaway), replaced?.met ?? null),
          timed(summary.mariadb),
          `median ≤ ${summary.targetMs} ms`,
        ],
        ['validation pings per try', '–', String(summary.goneaway.pingsPerTry), '–', '1'],
        [
          `healthy connections dropped: ${summary.stall.stallMs} ms event-loop stall during the ping (${summary.stall.tries} tries)`,
          '–',
          verdictCell(String(summary.stall.goneawayFalseEvictions), noFalse?.met ?? null),
          String(summary.stall.mariadbFalseEvictions),
          '0',
        ],
      ],
      notes: [
        `${config.openConnections} pooled connections idle for ${config.idleMs} ms (past the ${DEFAULT_POLICY.validation.bypassWindowMs} ms bypass window and mariadb's 500 ms minDelayValidation), then the proxy blackholes them: nothing forwarded, no FIN, no RST, as a NAT or firewall that forgot the flow.`,
        `goneaway's ping timeout is 'auto': 3 × the pool's observed round trip, at least 200 ms (here round trips are sub-millisecond: 200 ms), and time the event loop spent blocked does not count. After one ping times out, the other idle connections are dropped without a ping. MariaDB Connector/Node pings each idle connection in turn with its fixed 250 ms pingTimeout.`,
        `Stall: the same healthy pools; right after the validation ping is sent, the event loop is blocked for ${config.stallMs} ms (a long synchronous task, a GC pause). "Dropped" counts connections made afterwards: each replaced a healthy one whose answer was waiting unread.`,
      ],
    };
  },
};

function halfOpenChecks(summary: HalfOpenSummary): Check[] {
  const { goneaway, mariadb, stall } = summary;
  return [
    {
      label: 'query on a half-open idle connection succeeds on a fresh one (goneaway)',
      target: `median ≤ ${summary.targetMs} ms`,
      measured: `${goneaway.ok}/${goneaway.tries} ok, median ${Math.round(goneaway.medianMs)} ms, worst ${Math.round(goneaway.worstMs)} ms (MariaDB Connector/Node: median ${Math.round(mariadb.medianMs)} ms; bare knex: ${summary.bare.hung ? `hung past ${Math.round(summary.bare.ms / 1000)} s` : `${Math.round(summary.bare.ms)} ms`})`,
      met: goneaway.ok === goneaway.tries && goneaway.medianMs <= summary.targetMs,
    },
    {
      label: `healthy connections dropped by a ${stall.stallMs} ms event-loop stall during the ping (goneaway)`,
      target: '0',
      measured: `${stall.goneawayFalseEvictions} in ${stall.tries} tries (MariaDB Connector/Node: ${stall.mariadbFalseEvictions})`,
      met: stall.goneawayFalseEvictions === 0,
    },
  ];
}
