import { setTimeout as sleep } from 'node:timers/promises';
import { type FaultProxy, type MariaDBServer, startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { type Benchmark, type Check, type Side, verdictCell } from '../benchmark.js';
import { alternate } from '../interleave.js';
import { makeKnex } from '../make-knex.js';

export interface IdleRaceConfig {
  /** The server's wait_timeout (seconds): the boundary every try aims at. */
  readonly waitTimeoutSeconds: number;
  /** Tries per side per batch, their query offsets spread over [-earlyMs, +lateMs] around wait_timeout. */
  readonly boundaryTries: number;
  readonly earlyMs: number;
  readonly lateMs: number;
  /** Tries per side per batch that query well after the server closed the idle connection. */
  readonly idleTries: number;
  readonly idlePastMs: number;
  /** Batches per side, interleaved (bare, goneaway, goneaway, bare, …). */
  readonly batches: number;
}

const FULL: IdleRaceConfig = {
  waitTimeoutSeconds: 1,
  boundaryTries: 30,
  earlyMs: 50,
  lateMs: 50,
  idleTries: 6,
  idlePastMs: 600,
  batches: 2,
};

const QUICK: IdleRaceConfig = { ...FULL, boundaryTries: 16, idleTries: 4, batches: 1 };

export type TryKind = 'boundary' | 'idle';

export interface IdleTry {
  readonly side: Side;
  readonly batch: number;
  readonly kind: TryKind;
  /** When the query was sent, relative to the server's wait_timeout expiring (ms). */
  readonly offsetMs: number;
  readonly ok: boolean;
  readonly errorCode: string | null;
  readonly ms: number;
  /** knex log lines ("Connection Error: …") this try printed. */
  readonly noiseLines: number;
}

export interface IdleSideSummary {
  readonly tries: number;
  readonly failed: number;
  readonly failedAtMs: readonly number[];
  readonly noiseLines: number;
}

export interface IdleRaceSummary {
  readonly boundary: Readonly<Record<Side, IdleSideSummary>>;
  readonly idle: Readonly<Record<Side, IdleSideSummary>>;
}

function offsets(tries: number, earlyMs: number, lateMs: number): number[] {
  if (tries === 1) return [0];
  return Array.from({ length: tries }, (_, i) =>
    Math.round(-earlyMs + ((earlyMs + lateMs) * i) / (tries - 1)),
  );
}

/**
 * One try: its own pool of one connection, one query to open it, then one query `offsetMs` after the
 * server's wait_timeout for that connection expires. Through the TCP relay (as behind a load balancer
 * or a cloud SQL proxy) the window in which a query meets a connection that is already closing is a
 * few ms wide; straight over loopback it is well under a millisecond and rarely hit.
 */
async function oneTry(
  side: Side,
  proxy: FaultProxy,
  server: MariaDBServer,
  waitTimeoutMs: number,
  kind: TryKind,
  offsetMs: number,
  batch: number,
): Promise<IdleTry> {
  const bench = makeKnex(side, proxy.route(server.connection), { min: 1, max: 1 });
  try {
    await bench.db.raw('select 1');
    await sleep(Math.max(0, waitTimeoutMs + offsetMs));
    const started = performance.now();
    let errorCode: string | null = null;
    try {
      await bench.db.raw('select 1');
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      errorCode = typeof code === 'string' || typeof code === 'number' ? String(code) : 'unknown';
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    // knex prints "Connection Error" on the acquire after the socket died: give it that acquire.
    await bench.db.raw('select 1').catch(() => undefined);
    return {
      side,
      batch,
      kind,
      offsetMs,
      ok: errorCode === null,
      errorCode,
      ms,
      noiseLines: bench.noise.length,
    };
  } finally {
    await bench.destroy();
  }
}

function summarize(tries: readonly IdleTry[], side: Side, kind: TryKind): IdleSideSummary {
  const mine = tries.filter((item) => item.side === side && item.kind === kind);
  const failed = mine.filter((item) => !item.ok);
  return {
    tries: mine.length,
    failed: failed.length,
    failedAtMs: failed.map((item) => item.offsetMs).sort((a, b) => a - b),
    noiseLines: mine.reduce((sum, item) => sum + item.noiseLines, 0),
  };
}

export const idleRace: Benchmark<IdleRaceConfig, IdleRaceSummary, IdleTry[]> = {
  name: 'idle-race',
  title: '3. Idle and race: queries at and past the wait_timeout boundary',
  needsControl: true,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB({ serverOptions: { wait_timeout: config.waitTimeoutSeconds } });
    const proxy = await startFaultProxy(server.port);
    try {
      const mariadbVersion = await server.version();
      const waitTimeoutMs = config.waitTimeoutSeconds * 1000;
      const samples: IdleTry[] = [];
      for (let batch = 0; batch < config.batches; batch++) {
        for (const side of alternate<Side>('bare', 'goneaway', batch)) {
          context.progress(`batch ${batch + 1}/${config.batches}: ${side}`);
          const plan = [
            ...offsets(config.boundaryTries, config.earlyMs, config.lateMs).map(
              (offset) => ['boundary', offset] as const,
            ),
            ...Array.from({ length: config.idleTries }, () => ['idle', config.idlePastMs] as const),
          ];
          const tries = await Promise.all(
            plan.map(([kind, offset]) => oneTry(side, proxy, server, waitTimeoutMs, kind, offset, batch)),
          );
          samples.push(...tries);
        }
      }
      const summary: IdleRaceSummary = {
        boundary: {
          bare: summarize(samples, 'bare', 'boundary'),
          goneaway: summarize(samples, 'goneaway', 'boundary'),
        },
        idle: { bare: summarize(samples, 'bare', 'idle'), goneaway: summarize(samples, 'goneaway', 'idle') },
      };
      return { mariadbVersion, checks: idleChecks(summary), summary, samples };
    } finally {
      await proxy.close();
      await server.destroy();
    }
  },

  table(result) {
    const { boundary, idle } = result.summary;
    const { config } = result;
    const at = (summary: IdleSideSummary) =>
      summary.failedAtMs.length === 0
        ? ''
        : ` (at ${summary.failedAtMs.map((ms) => (ms >= 0 ? `+${ms}` : `${ms}`)).join(', ')} ms)`;
    const row = (title: string, summary: Readonly<Record<Side, IdleSideSummary>>) => [
      title,
      String(summary.goneaway.tries),
      `${summary.bare.failed}${at(summary.bare)}`,
      verdictCell(`${summary.goneaway.failed}`, summary.goneaway.failed === 0),
      `${summary.bare.noiseLines} / ${summary.goneaway.noiseLines}`,
    ];
    return {
      head: [
        'query sent',
        'tries per side',
        'failed: bare',
        'failed: goneaway (0)',
        'knex log lines bare / goneaway',
      ],
      rows: [
        row(`at the boundary (−${config.earlyMs}…+${config.lateMs} ms)`, boundary),
        row(`idle past wait_timeout (+${config.idlePastMs} ms)`, idle),
      ],
      notes: [
        `wait_timeout = ${config.waitTimeoutSeconds} s. Each try has its own pool of one connection, opens it, then queries at its offset from the moment the server closes that idle connection, through the fault proxy (a TCP relay, as a load balancer would be).`,
        'knex log lines: "Connection Error: …" lines knex prints for a connection that died while idle (goneaway retires idle connections before wait_timeout, so it has nothing to print).',
      ],
    };
  },
};

function idleChecks(summary: IdleRaceSummary): Check[] {
  return [
    {
      label: 'errors at the wait_timeout boundary (goneaway)',
      target: '0',
      measured: `${summary.boundary.goneaway.failed}/${summary.boundary.goneaway.tries} (bare ${summary.boundary.bare.failed}/${summary.boundary.bare.tries})`,
      met: summary.boundary.goneaway.failed === 0,
    },
    {
      label: 'errors and log lines after idling past wait_timeout (goneaway)',
      target: '0 and 0',
      measured: `${summary.idle.goneaway.failed} and ${summary.idle.goneaway.noiseLines} (bare ${summary.idle.bare.failed} and ${summary.idle.bare.noiseLines})`,
      met: summary.idle.goneaway.failed === 0 && summary.idle.goneaway.noiseLines === 0,
    },
  ];
}
