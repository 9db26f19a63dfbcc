import type { Scenario } from '../scenario.js';
import { killWhenRunning } from './app-config.js';

export const killDuringRead: Scenario = {
  id: 'kill-read',
  title: 'KILL during a read',
  cause: 'the connection is KILLed while a SELECT runs (SLEEP(2), killed after 300 ms)',
  needs: ['kill'],
  timeoutMs: 12_000,
  expect: {
    bare: { text: 'the read fails', check: (f) => f.errors.count > 0 },
    goneaway: {
      text: 'the read is run again on a fresh connection and returns its row',
      check: (f) => f.errors.count === 0 && f.metrics.rows === 1 && f.metrics.killed === 1,
    },
  },
  async run(side, lane) {
    const db = side.open(lane.connection);
    const read = side.call(() => db.read('SELECT SLEEP(2) AS slept'));
    const killed = await killWhenRunning(lane, '%SLEEP(2)%', 300);
    const result = await read;
    const rows = result.ok ? result.value.length : 0;
    return {
      saw: result.ok ? `result: ${rows} row after ${(result.ms / 1000).toFixed(1)} s` : 'no result',
      metrics: { killed, rows },
    };
  },
};
