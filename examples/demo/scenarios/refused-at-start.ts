import type { Scenario } from '../scenario.js';
import { formatMs, sleep } from '../timing.js';

/** The application starts this long before its database does (a deploy that races the database). */
const SERVER_LATE_MS = 300;

export const refusedAtStart: Scenario = {
  id: 'refused-at-start',
  title: 'Connection refused at start',
  cause: 'the app starts while the server is still down; it comes up about a second later',
  needs: ['restart'],
  timeoutMs: 20_000,
  expect: {
    bare: { text: 'the first query fails at once (ECONNREFUSED)', check: (f) => f.errors.count > 0 },
    goneaway: {
      text: 'the first query waits for the server (within the 5 s budget) and succeeds',
      check: (f) => f.errors.count === 0 && f.metrics.ok === true,
    },
  },
  async run(side, lane) {
    const server = lane.server!;
    await server.stop();
    const started = performance.now();
    let upAfterMs: number | undefined;
    const starting = sleep(SERVER_LATE_MS).then(async () => {
      await server.start();
      upAfterMs = performance.now() - started;
    });
    try {
      const db = side.open(lane.directConnection);
      const result = await side.call(() => db.read('SELECT 1 AS one'));
      const what = result.ok ? `ok after ${formatMs(result.ms)}` : `failed after ${formatMs(result.ms)}`;
      await starting;
      const up = upAfterMs === undefined ? '' : `; server up after ${formatMs(upAfterMs)}`;
      return {
        saw: `${what}${up}`,
        metrics: {
          ok: result.ok,
          ms: result.ms,
          serverUpMs: upAfterMs === undefined ? null : Math.round(upAfterMs),
        },
      };
    } finally {
      // The lane must be usable again whatever happened above.
      await starting;
    }
  },
};
