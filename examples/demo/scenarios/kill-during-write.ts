import type { Scenario } from '../scenario.js';
import { countRows, killWhenRunning } from './app-config.js';

const TAG = 'kill-write';

export const killDuringWrite: Scenario = {
  id: 'kill-write',
  title: 'KILL during a write (no transaction)',
  cause: 'the connection is KILLed while an INSERT is in flight: did it run? nobody can tell',
  needs: ['kill'],
  timeoutMs: 10_000,
  expect: {
    bare: {
      text: 'the INSERT fails with a generic connection error that does not say whether it ran',
      check: (f) => f.errors.count > 0,
    },
    goneaway: {
      text: 'rejects with GONEAWAY_CONNECTION_LOST (outcome unknown); not run again: no second row',
      check: (f) =>
        f.errors.count === 1 && f.errors.first?.code === 'GONEAWAY_CONNECTION_LOST' && f.metrics.rows === 0,
    },
  },
  compare(bare, goneaway) {
    if (goneaway.errors.first?.code === 'GONEAWAY_CONNECTION_LOST' && bare.errors.count > 0) {
      return { verdict: 'better', why: 'a typed error that says the write may have run' };
    }
    return undefined;
  },
  async run(side, lane) {
    const db = side.open(lane.connection);
    await db.read('SELECT 1 AS one');
    // SLEEP in the VALUES keeps the INSERT in flight long enough to be killed mid-statement.
    const write = side.call(() =>
      db.write(`insert into \`${lane.table}\` (tag, v) values (?, SLEEP(1))`, [TAG]),
    );
    const killed = await killWhenRunning(lane, `insert into%${lane.table}%SLEEP(1)%`, 300);
    const result = await write;
    const rows = await countRows(lane, TAG);
    const what = result.ok ? 'INSERT reported ok' : 'rejected';
    return { saw: `${what}; ${rows} rows after`, metrics: { killed, rows } };
  },
};
