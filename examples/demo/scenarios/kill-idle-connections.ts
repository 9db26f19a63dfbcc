import type { Scenario } from '../scenario.js';
import { okCount, warmUp } from './app-config.js';

const QUERIES = 3;

export const killIdleConnections: Scenario = {
  id: 'kill-idle',
  title: 'KILL of idle connections',
  cause: "a DBA or a watchdog KILLs the application's idle pooled connections",
  needs: ['kill'],
  timeoutMs: 10_000,
  expect: {
    bare: {
      text: 'a query fails, or the client prints errors for the killed connections',
      check: (f) => f.errors.count > 0 || f.noise.count > 0,
    },
    goneaway: {
      text: `${QUERIES}/${QUERIES} queries ok, nothing printed`,
      check: (f) => f.errors.count === 0 && f.noise.count === 0 && f.metrics.ok === QUERIES,
    },
  },
  async run(side, lane) {
    const db = side.open(lane.connection, { min: 2, max: 10 });
    await warmUp(db, 2);
    const killed = await lane.server!.killConnections();
    const results = await Promise.all(
      Array.from({ length: QUERIES }, () => side.call(() => db.read('SELECT 1 AS one'))),
    );
    const ok = okCount(results);
    return { saw: `${killed} killed; ${ok}/${QUERIES} queries ok`, metrics: { killed, ok } };
  },
};
