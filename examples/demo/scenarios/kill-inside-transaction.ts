import type { Scenario } from '../scenario.js';
import { countRows, insertRow, killWhenRunning } from './app-config.js';

const TAG = 'kill-trx';
const NEXT_TAG = 'kill-trx-next';

export const killInsideTransaction: Scenario = {
  id: 'kill-trx',
  title: 'KILL inside a transaction',
  cause: 'the connection is KILLed between two statements of a transaction; the server rolls it back',
  needs: ['kill'],
  timeoutMs: 12_000,
  expect: {
    bare: {
      text: 'the transaction rejects with an error that does not say the transaction was lost',
      check: (f) => f.errors.count > 0 && f.errors.first?.code !== 'GONEAWAY_TRANSACTION_LOST',
    },
    goneaway: {
      text: 'rejects with GONEAWAY_TRANSACTION_LOST; 0 rows; the next transaction works',
      check: (f) =>
        f.errors.count === 1 &&
        f.errors.first?.code === 'GONEAWAY_TRANSACTION_LOST' &&
        f.metrics.rows === 0 &&
        f.metrics.nextTransaction === true,
    },
  },
  compare(bare, goneaway) {
    if (goneaway.errors.first?.code === 'GONEAWAY_TRANSACTION_LOST' && bare.errors.count > 0) {
      return {
        verdict: 'better',
        why: 'a typed error that says the transaction was rolled back: safe to rerun',
      };
    }
    return undefined;
  },
  async run(side, lane) {
    const db = side.open(lane.connection);
    await db.read('SELECT 1 AS one');
    const transaction = side.call(() =>
      db.transaction(async (trx) => {
        await insertRow(trx, lane, TAG, 1);
        await trx.read('SELECT SLEEP(2) AS slept');
        await insertRow(trx, lane, TAG, 2);
      }),
    );
    const killed = await killWhenRunning(lane, '%SLEEP(2)%', 300);
    const result = await transaction;
    const rows = await countRows(lane, TAG);
    const next = await side.call(() => db.transaction((trx) => insertRow(trx, lane, NEXT_TAG, 1)));
    const what = result.ok ? 'transaction reported ok' : 'rejected';
    return {
      saw: `${what}; ${rows} rows; next transaction ${next.ok ? 'ok' : 'failed'}`,
      metrics: { killed, rows, nextTransaction: next.ok },
    };
  },
};
