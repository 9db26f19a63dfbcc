import type { Scenario } from '../scenario.js';
import { sleep } from '../timing.js';

function offsets(tries: number, earlyMs: number, lateMs: number): number[] {
  if (tries === 1) return [0];
  return Array.from({ length: tries }, (_, i) =>
    Math.round(-earlyMs + ((earlyMs + lateMs) * i) / (tries - 1)),
  );
}

function signed(ms: number): string {
  return ms >= 0 ? `+${ms}` : `${ms}`;
}

export const boundaryRace: Scenario = {
  id: 'boundary-race',
  title: 'Query at the wait_timeout boundary',
  cause: 'a query is sent just as the server closes the idle connection (wait_timeout expires)',
  needs: ['reconfigure'],
  timeoutMs: 15_000,
  expect: {
    bare: {
      text: 'some tries fail at the boundary',
      check: (f) => f.errors.count > 0,
    },
    goneaway: {
      text: 'no try fails',
      check: (f) => f.errors.count === 0 && f.metrics.failed === 0,
    },
  },
  async run(side, lane) {
    const { boundaryTries, boundaryEarlyMs, boundaryLateMs, waitTimeoutSeconds } = lane.tuning;
    // Each try owns one connection and one timer, so every query lands at its own distance from the
    // moment the server gives up on that connection. Through the TCP relay (as behind a load balancer
    // or a cloud SQL proxy) the window in which a query meets a connection that is already closing is
    // a few ms wide; straight over loopback it is well under a millisecond and rarely hit.
    const outcomes = await Promise.all(
      offsets(boundaryTries, boundaryEarlyMs, boundaryLateMs).map(async (offset) => {
        const db = side.open(lane.connection, { min: 1, max: 1 });
        await db.read('SELECT 1 AS one');
        await sleep(waitTimeoutSeconds * 1000 + offset);
        const result = await side.call(() => db.read('SELECT 1 AS one'));
        return { offset, ok: result.ok };
      }),
    );
    const failedAt = outcomes.filter((o) => !o.ok).map((o) => o.offset);
    const ok = outcomes.length - failedAt.length;
    const where = failedAt.length > 0 ? ` (failed at ${failedAt.map(signed).join(', ')} ms)` : '';
    return {
      saw: `${ok}/${outcomes.length} tries ok${where}`,
      metrics: { tries: outcomes.length, failed: failedAt.length, failedAtMs: failedAt.join(',') || null },
    };
  },
};
