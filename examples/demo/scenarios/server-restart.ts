import type { Scenario } from '../scenario.js';
import { formatMs, sleep } from '../timing.js';
import { warmUp } from './app-config.js';

const WORKERS = 4;
const DOWN_MS = 1500;
/** Workers keep going at least this long after the server is back, to see the recovery. */
const AFTER_BACK_MS = 500;
/** Single-flight reconnects with backoff: about ten for a 2 s outage, never one per query. */
const MAX_CONNECTS = 30;
/** Backoff delays are capped at 1 s by default: recovery must not wait much longer than one of them. */
const MAX_RECOVERY_MS = 2000;

export const serverRestart: Scenario = {
  id: 'server-restart',
  title: 'Server restart (crash, back after 1.5 s)',
  cause: 'mariadbd is SIGKILLed and started again 1.5 s later while 4 workers read in a loop',
  needs: ['restart', 'proxy'],
  timeoutMs: 30_000,
  expect: {
    bare: {
      text: 'every query during the outage fails; one connect attempt per query',
      check: (f) => f.errors.count > 0,
    },
    goneaway: {
      text: `reads wait out the outage: 0 errors, at most ${MAX_CONNECTS} connect attempts, reads again within ${MAX_RECOVERY_MS / 1000} s of the server being back`,
      check: (f) =>
        f.errors.count === 0 &&
        typeof f.metrics.recoveredMs === 'number' &&
        f.metrics.recoveredMs <= MAX_RECOVERY_MS &&
        Number(f.metrics.connects) <= MAX_CONNECTS,
    },
  },
  async run(side, lane) {
    const server = lane.server!;
    const proxy = lane.proxy!;
    const db = side.open(lane.connection);
    await warmUp(db, 2);
    const acceptedBefore = proxy.stats.accepted;
    const started = performance.now();
    let crashedAt = Number.POSITIVE_INFINITY;
    let backAt: number | undefined;
    const restart = (async () => {
      await sleep(200);
      crashedAt = performance.now();
      await server.restart({ downMs: DOWN_MS, signal: 'SIGKILL' });
      backAt = performance.now();
    })();
    let ok = 0;
    let failed = 0;
    let firstOkAfterCrash: number | undefined;
    const keepGoing = () => {
      if (side.signal.aborted) return false;
      const now = performance.now();
      if (now - started < lane.tuning.restartWorkMs) return true;
      return backAt === undefined || now - backAt < AFTER_BACK_MS;
    };
    const worker = async () => {
      while (keepGoing()) {
        const queryStarted = performance.now();
        const result = await side.call(() => db.read('SELECT 1 AS one'));
        if (!result.ok) {
          failed += 1;
          continue;
        }
        ok += 1;
        // Only a query that started after the crash shows the recovery: one in flight before it cannot succeed.
        if (queryStarted > crashedAt && firstOkAfterCrash === undefined)
          firstOkAfterCrash = performance.now();
      }
    };
    await Promise.all([restart, ...Array.from({ length: WORKERS }, worker)]);
    const connects = proxy.stats.accepted - acceptedBefore;
    const recoveredMs =
      firstOkAfterCrash !== undefined && backAt !== undefined
        ? Math.max(0, Math.round(firstOkAfterCrash - backAt))
        : null;
    const outageMs = backAt !== undefined ? Math.round(backAt - crashedAt) : null;
    const recovery =
      recoveredMs === null
        ? 'never recovered'
        : `first ok ${formatMs(recoveredMs)} after the server was back`;
    return {
      saw: `${ok} ok, ${failed} failed; ${connects} connect attempts; ${recovery}`,
      metrics: { workers: WORKERS, ok, failed, connects, outageMs, recoveredMs },
    };
  },
};
