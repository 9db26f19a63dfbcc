import type { Scenario } from '../scenario.js';
import { sleep } from '../timing.js';
import { okCount, warmUp } from './app-config.js';

const QUERIES = 3;

export const idlePastWaitTimeout: Scenario = {
  id: 'idle-timeout',
  title: 'Idle past wait_timeout',
  cause: 'the pool sat idle longer than the server wait_timeout (2 s); the server closed its connections',
  needs: ['reconfigure'],
  timeoutMs: 15_000,
  expect: {
    bare: {
      text: 'a query fails, or the client prints errors for the connections the server closed',
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
    await sleep(lane.tuning.waitTimeoutSeconds * 1000 + 1000);
    const results = await Promise.all(
      Array.from({ length: QUERIES }, () => side.call(() => db.read('SELECT 1 AS one'))),
    );
    const ok = okCount(results);
    return { saw: `${ok}/${QUERIES} queries ok`, metrics: { ok } };
  },
};
