import { wrapMysql2 } from '@goneaway/mysql2';
import mysql2 from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT_MS, type Host, settingsFor, silentHost } from '../core/outage-budget-support.js';
import { sleep, waitFor } from './support.js';

/** `promise`'s value, or 'hung' when it has not settled within `ms`. */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}

/** Far below the connect timeout (5 s), far above a prompt end() on a busy 2-core machine. */
const PROMPT_MS = 1_500;

// An application's shutdown (pool.end()) while the pool is still connecting to a host that never
// greets: mysql2 ends each connection with a COM_QUIT queued behind its handshake.
describe('mysql2 pool: pool.end() while a connect is in flight', () => {
  let silent: Host;

  beforeAll(async () => {
    silent = await silentHost();
  });
  afterAll(async () => {
    await silent?.close();
  });

  async function endWhileConnecting(side: 'goneaway' | 'bare') {
    const driver = side === 'bare' ? mysql2 : wrapMysql2(mysql2, { connectTimeoutMs: CONNECT_TIMEOUT_MS });
    const pool = driver.createPool({
      ...settingsFor(silent),
      connectTimeout: CONNECT_TIMEOUT_MS,
      connectionLimit: 2,
    });
    const queried = new Promise<string>((resolve) =>
      pool.query('select 1', (error) => resolve(error ? 'rejected' : 'fulfilled')),
    );
    await waitFor(() => silent.open?.() === 1, 'a connect to the silent host', PROMPT_MS);
    await sleep(50);
    const startedAt = performance.now();
    await new Promise<void>((resolve) => pool.end(() => resolve()));
    const endMs = performance.now() - startedAt;
    // Answered promptly too: the query is not left waiting out its outage budget.
    const query = await settleWithin(queried, PROMPT_MS);
    return { endMs, query };
  }

  it('goneaway: end() resolves promptly, the waiting query is rejected and the socket is closed', async () => {
    const { endMs, query } = await endWhileConnecting('goneaway');
    expect(endMs).toBeLessThan(PROMPT_MS);
    expect(query).toBe('rejected');
    await waitFor(() => silent.open?.() === 0, 'the socket to the silent host to close', PROMPT_MS);
  });

  it('bare mysql2 (control): end() waits for the whole connect timeout', async () => {
    const { endMs } = await endWhileConnecting('bare');
    expect(endMs).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 500);
  });
});
