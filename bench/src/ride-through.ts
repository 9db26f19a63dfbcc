import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultProxy, MariaDBServer } from '@goneaway/test-harness';
import type { Knex } from 'knex';
import type { Side } from './benchmark.js';
import { collectGarbage, liveBytes, memorySnapshot, PeakMemory } from './heap.js';
import { diffCounters, makeKnex, pluginCounters } from './make-knex.js';
import { round } from './sample-stats.js';
import { waitForGreeting } from './wait-for-greeting.js';

export interface RideThroughOptions {
  readonly side: Side;
  readonly workers: number;
  readonly downMs: number;
  readonly pool: { readonly min: number; readonly max: number };
  /** Workers run this long before the crash. */
  readonly beforeMs: number;
  /** …and this long after the server accepts connections again. */
  readonly afterMs: number;
  /** Measure heap before, during (peak) and after (the scale benchmark). */
  readonly measureMemory?: boolean;
  readonly progress?: (text: string) => void;
}

/** One 100 ms slice of the run. */
export interface TimelineBucket {
  /** Since the workers started (the crash is at `crashAtMs`). */
  readonly atMs: number;
  readonly ok: number;
  readonly failed: number;
  /** Connections the proxy accepted in this slice (each is one connect attempt of the client). */
  readonly connects: number;
}

export interface MemoryReport {
  /** After a full GC, the pool warm, before the crash. */
  readonly heapBeforeBytes: number;
  /** Largest heap + buffers seen during the outage and recovery. */
  readonly peakBytes: number;
  /** After the workers stopped and a full GC (the knex instance still open). */
  readonly heapAfterBytes: number;
}

export interface RideThroughRun {
  readonly side: Side;
  readonly workers: number;
  readonly downMs: number;
  readonly poolMax: number;
  readonly okQueries: number;
  /** Rejections the application saw from the crash on. */
  readonly errors: number;
  /** Rejections by `code` (goneaway's or the driver's). */
  readonly errorCodes: Readonly<Record<string, number>>;
  /** Connect attempts (proxy accepts) from the crash until the server accepted connections again. */
  readonly connectsDuringOutage: number;
  /** …and from the crash until the first successful query. */
  readonly connectsUntilRecovered: number;
  /** goneaway's own count of connects through its single-flight gate, and callers that shared one. */
  readonly gateConnectAttempts: number;
  readonly sharedConnectWaits: number;
  readonly retries: number;
  /** SIGKILL until the server's greeting on a fresh TCP connection. */
  readonly outageMs: number | null;
  /** Server accepting again → first successful query (null: none succeeded). */
  readonly recoveryMs: number | null;
  /** Server accepting again → every worker has had a successful query. */
  readonly allServedMs: number | null;
  /** The longest a successful query took (it waited out the outage). */
  readonly longestOkQueryMs: number;
  /** knex's logger lines ("Connection Error", "Acquire connection error", …). */
  readonly noiseLines: number;
  readonly memory?: MemoryReport;
  /** When the server was killed and when it accepted connections again, since the workers started. */
  readonly crashAtMs: number;
  readonly acceptingAtMs: number | null;
  readonly timeline: readonly TimelineBucket[];
}

const BUCKET_MS = 100;

function errorCode(error: unknown): string {
  const record = error as { code?: unknown; name?: unknown } | null;
  if (record && (typeof record.code === 'string' || typeof record.code === 'number'))
    return String(record.code);
  if (record && typeof record.name === 'string') return record.name;
  return 'unknown';
}

/**
 * `workers` callers read in a loop (`select 1`) through the fault proxy while the server is SIGKILLed
 * and started again `downMs` later: what the application sees, how many connects the pool makes, and
 * how soon queries succeed once the server accepts connections.
 */
export async function rideThrough(
  server: MariaDBServer,
  proxy: FaultProxy,
  options: RideThroughOptions,
): Promise<RideThroughRun> {
  const bench = makeKnex(options.side, proxy.route(server.connection), { ...options.pool });
  const { db } = bench;
  try {
    await warmUp(db, Math.min(options.workers, options.pool.max));
    let heapBeforeBytes = 0;
    if (options.measureMemory) {
      collectGarbage();
      heapBeforeBytes = liveBytes(memorySnapshot());
    }
    const peak = options.measureMemory ? new PeakMemory(10) : undefined;
    const counters = pluginCounters(bench);
    const started = performance.now();
    let crashedAt = Number.POSITIVE_INFINITY;
    let acceptingAt: number | undefined;
    let stopAt = Number.POSITIVE_INFINITY;
    let acceptedAtCrash = 0;
    let acceptedAtAccepting = 0;
    let acceptedAtRecovery: number | undefined;
    let firstOkAfterBack: number | undefined;
    let longestOkQueryMs = 0;
    let ok = 0;
    let errors = 0;
    const errorCodes: Record<string, number> = {};
    const firstOkOfWorker = new Array<number | undefined>(options.workers).fill(undefined);
    const buckets = new Map<number, { ok: number; failed: number; connects: number }>();
    const bucketAt = (at: number) => {
      const key = Math.floor((at - started) / BUCKET_MS);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { ok: 0, failed: 0, connects: 0 };
        buckets.set(key, bucket);
      }
      return bucket;
    };

    const worker = async (index: number) => {
      while (performance.now() < stopAt) {
        const queryStarted = performance.now();
        try {
          await db.select(db.raw('1 as one'));
          const now = performance.now();
          ok++;
          bucketAt(now).ok++;
          longestOkQueryMs = Math.max(longestOkQueryMs, now - queryStarted);
          if (acceptingAt !== undefined && now >= acceptingAt) {
            if (firstOkAfterBack === undefined) {
              firstOkAfterBack = now;
              acceptedAtRecovery = proxy.stats.accepted;
            }
            firstOkOfWorker[index] ??= now;
          }
        } catch (error) {
          const now = performance.now();
          bucketAt(now).failed++;
          if (queryStarted >= crashedAt || now >= crashedAt) {
            errors++;
            const code = errorCode(error);
            errorCodes[code] = (errorCodes[code] ?? 0) + 1;
          }
        }
      }
    };

    // Connects per slice: sampled from the proxy's counter.
    let lastAccepted = proxy.stats.accepted;
    const connectSampler = setInterval(() => {
      const accepted = proxy.stats.accepted;
      bucketAt(performance.now()).connects += accepted - lastAccepted;
      lastAccepted = accepted;
    }, BUCKET_MS / 4);

    const outage = (async () => {
      await sleep(options.beforeMs);
      options.progress?.(`${options.side}: server down (SIGKILL) for ${options.downMs} ms`);
      crashedAt = performance.now();
      acceptedAtCrash = proxy.stats.accepted;
      await server.kill();
      const downUntil = crashedAt + options.downMs;
      await sleep(Math.max(0, downUntil - performance.now()));
      const probe = new AbortController();
      const greeting = waitForGreeting(server.host, server.port, probe.signal);
      try {
        await server.start();
      } finally {
        // start() returns once the server answers: its greeting was seen by then, or just after.
        acceptingAt = (await Promise.race([greeting, sleep(100, undefined)])) ?? performance.now();
        probe.abort();
      }
      acceptedAtAccepting = proxy.stats.accepted;
      options.progress?.(`${options.side}: server back, waiting for the workers`);
      stopAt = acceptingAt + options.afterMs;
    })();

    const workers = Array.from({ length: options.workers }, (_, index) => worker(index));
    try {
      await outage;
    } finally {
      // If the restart failed, stop the workers too.
      if (!Number.isFinite(stopAt)) stopAt = performance.now();
      await Promise.all(workers);
      clearInterval(connectSampler);
    }

    let memory: MemoryReport | undefined;
    if (peak !== undefined) {
      const peakBytes = peak.stop();
      collectGarbage();
      memory = { heapBeforeBytes, peakBytes, heapAfterBytes: liveBytes(memorySnapshot()) };
    }
    const plugin = diffCounters(pluginCounters(bench), counters);
    const served = firstOkOfWorker.filter((at): at is number => at !== undefined);
    const since = (at: number | undefined) =>
      at === undefined || acceptingAt === undefined ? null : round(Math.max(0, at - acceptingAt), 1);
    const timeline = [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([key, bucket]) => ({ atMs: key * BUCKET_MS, ...bucket }));
    return {
      side: options.side,
      workers: options.workers,
      downMs: options.downMs,
      poolMax: options.pool.max,
      okQueries: ok,
      errors,
      errorCodes,
      connectsDuringOutage: acceptedAtAccepting - acceptedAtCrash,
      connectsUntilRecovered: (acceptedAtRecovery ?? proxy.stats.accepted) - acceptedAtCrash,
      gateConnectAttempts: plugin.connectAttempts,
      sharedConnectWaits: plugin.sharedConnectWaits,
      retries: plugin.retries,
      outageMs: acceptingAt === undefined ? null : round(acceptingAt - crashedAt, 1),
      recoveryMs: since(firstOkAfterBack),
      allServedMs: served.length === options.workers ? since(Math.max(...served)) : null,
      longestOkQueryMs: round(longestOkQueryMs, 1),
      noiseLines: bench.noise.length,
      ...(memory ? { memory } : {}),
      crashAtMs: round(crashedAt - started, 1),
      acceptingAtMs: acceptingAt === undefined ? null : round(acceptingAt - started, 1),
      timeline,
    };
  } finally {
    await bench.destroy();
  }
}

/** Opens up to `connections` pooled connections by running that many overlapping queries. */
export async function warmUp(db: Knex, connections: number): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: connections }, () => db.raw('select 1')));
  }
}

/**
 * What the backoff schedule allows: the expected number of single-flight connect attempts in a
 * `windowMs` outage (each delay averages half its ceiling under full jitter, ceilings doubling from
 * initialDelayMs up to maxDelayMs), doubled for jitter's spread, plus the pool's own parallel
 * connects when the server first goes away. One per query (bare knex) is far above it.
 */
export function connectBound(
  windowMs: number,
  backoff: { readonly initialDelayMs: number; readonly maxDelayMs: number },
  poolMax: number,
): number {
  let attempts = 1;
  let elapsed = 0;
  let ceiling = backoff.initialDelayMs;
  while (elapsed < windowMs) {
    elapsed += ceiling / 2;
    attempts++;
    ceiling = Math.min(backoff.maxDelayMs, ceiling * 2);
  }
  return attempts * 2 + poolMax;
}
