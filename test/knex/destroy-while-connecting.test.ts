import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT_MS, type Host, settingsFor, silentHost } from '../core/outage-budget-support.js';
import { open, type Side, sleep, waitFor } from './support.js';

/** Far below the connect timeout (5 s), far above a prompt destroy on a busy 2-core machine. */
const PROMPT_MS = 1_500;

// An application's shutdown (db.destroy()) while the pool is still connecting to a host that never
// greets: tarn's destroy waits for every create in flight (tarn Pool.destroy, pendingCreates).
describe('knex: db.destroy() while a connect is in flight', () => {
  let silent: Host;

  beforeAll(async () => {
    silent = await silentHost();
  });
  afterAll(async () => {
    await silent?.close();
  });

  /** A query that starts a connect to the silent host, then db.destroy() once the connect is under way. */
  async function destroyWhileConnecting(side: Side) {
    const { db } = open(
      side,
      {
        connection: { ...settingsFor(silent), connectTimeout: CONNECT_TIMEOUT_MS },
        pool: { min: 0, max: 2 },
      },
      { connectTimeoutMs: CONNECT_TIMEOUT_MS },
    );
    const query = db.raw('select 1').then(
      () => 'fulfilled',
      () => 'rejected',
    );
    await waitFor(() => silent.open?.() === 1, 'a connect to the silent host', PROMPT_MS);
    await sleep(50);
    const startedAt = performance.now();
    await db.destroy();
    const destroyMs = performance.now() - startedAt;
    return { destroyMs, query: await query };
  }

  it('goneaway: destroy() resolves promptly, and the waiting query is rejected', async () => {
    const { destroyMs, query } = await destroyWhileConnecting('goneaway');
    expect(destroyMs).toBeLessThan(PROMPT_MS);
    expect(query).toBe('rejected');
    // Its socket is closed too: nothing keeps the process up until the connect timeout.
    await waitFor(() => silent.open?.() === 0, 'the socket to the silent host to close', PROMPT_MS);
  });

  it('bare knex (control): destroy() waits for the whole connect timeout', async () => {
    const { destroyMs } = await destroyWhileConnecting('bare');
    expect(destroyMs).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 500);
  });
});
