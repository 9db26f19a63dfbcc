import type { Scenario } from '../scenario.js';
import { insertRow } from './app-config.js';

export const serverReadOnly: Scenario = {
  id: 'read-only',
  title: 'Server turned read-only',
  cause: 'a failover demoted the server: SET GLOBAL read_only=1 (the app user has no SUPER)',
  needs: ['reconfigure', 'proxy'],
  timeoutMs: 10_000,
  expect: {
    bare: {
      text: 'the write fails with 1290 and the pool keeps the connection (after a failover it keeps failing)',
      check: (f) => f.errors.count > 0 && f.metrics.evicted === false,
    },
    goneaway: {
      text: 'the write fails with a classified error; the connection is evicted; writes work again after',
      check: (f) => f.errors.count === 1 && f.metrics.evicted === true && f.metrics.writeAfterOk === true,
    },
  },
  compare(bare, goneaway) {
    if (goneaway.metrics.evicted === true && bare.metrics.evicted === false) {
      return { verdict: 'better', why: 'evicts the connection to the demoted server; bare keeps it' };
    }
    return undefined;
  },
  async run(side, lane) {
    const proxy = lane.proxy!;
    const db = side.open(lane.connection, { min: 1, max: 1 });
    await insertRow(db, lane, 'read-only', 1);
    const acceptedBefore = proxy.stats.accepted;
    await lane.admin('SET GLOBAL read_only = 1');
    let rejected: Awaited<ReturnType<typeof side.call>>;
    try {
      rejected = await side.call(() => insertRow(db, lane, 'read-only', 2));
    } finally {
      await lane.admin('SET GLOBAL read_only = 0');
    }
    const after = await side.call(() => insertRow(db, lane, 'read-only', 3));
    // A pool that evicts the demoted server's connection opens a new one for the next write.
    const evicted = proxy.stats.accepted - acceptedBefore > 0;
    const what = rejected.ok ? 'write reported ok' : 'write rejected';
    return {
      saw: `${what}; connection ${evicted ? 'evicted' : 'kept'}; write after read_only=0 ${after.ok ? 'ok' : 'failed'}`,
      metrics: { evicted, writeAfterOk: after.ok },
    };
  },
};
