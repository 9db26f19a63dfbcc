import type { Scenario } from '../scenario.js';
import { capped, formatMs, since, sleep } from '../timing.js';
import { warmUp } from './app-config.js';

/** Long enough that a validating pool pings instead of trusting a recently used connection. */
const IDLE_MS = 1000;

export const halfOpenConnection: Scenario = {
  id: 'half-open',
  title: 'Half-open idle connection',
  cause: 'a NAT or firewall silently dropped the idle connections (no FIN, no RST)',
  needs: ['proxy'],
  timeoutMs: 15_000,
  expect: {
    bare: { text: 'the next query hangs', check: (f) => f.hung },
    goneaway: {
      text: 'the next query succeeds on a fresh connection within about the ping timeout',
      check: (f) => !f.hung && f.errors.count === 0 && f.metrics.ok === true,
    },
  },
  async run(side, lane) {
    const proxy = lane.proxy!;
    const capMs = lane.tuning.hangCapMs;
    const db = side.open(lane.connection, { min: 2, max: 10 });
    await warmUp(db, 2);
    await sleep(IDLE_MS);
    proxy.blackholeExisting();
    const started = performance.now();
    const query = db.read('SELECT 1 AS one');
    const outcome = await capped(query, capMs);
    // Once the cap is reached the proxy reset below rejects the stuck query: the application saw a
    // hang, not that late error, so it is not counted.
    query.catch(() => undefined);
    if (outcome.settled && !outcome.ok) side.recordError(outcome.error);
    const ms = since(started);
    if (!outcome.settled) {
      // Free the stuck query so the pool can be destroyed: the demo must not hang with it.
      proxy.resetAll();
      return { saw: `hung (capped at ${formatMs(capMs)})`, hung: true, metrics: { ok: false, ms } };
    }
    const ok = outcome.ok;
    return { saw: ok ? `ok after ${formatMs(ms)}` : `failed after ${formatMs(ms)}`, metrics: { ok, ms } };
  },
};
