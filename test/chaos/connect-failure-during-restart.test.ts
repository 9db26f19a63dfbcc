import { goneAway, isGoneAwayError, withTransactionRetry } from '@goneaway/knex';
import {
  canControlServers,
  type FaultProxy,
  type MariaDBServer,
  noControlReason,
  startFaultProxy,
  startMariaDB,
} from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Found by the chaos run: what a call does when its connection has to be created while the server
 * restarts. Directly, the restarting server refuses (ECONNREFUSED). Behind anything that accepts TCP
 * for it (a load balancer, ProxySQL, Docker's port forwarding; here the fault proxy), the connect is
 * accepted, then reset during the handshake (read ECONNRESET). Either way nothing of the statement or
 * transaction was sent, so goneaway should wait out the outage (5 s budget by default) and then run it.
 */
describe.skipIf(!canControlServers)('connections created while the server restarts', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);
  let server: MariaDBServer;
  let proxy: FaultProxy;
  const silent = { warn() {}, error() {}, deprecate() {}, debug() {} };

  beforeAll(async () => {
    server = await startMariaDB();
    proxy = await startFaultProxy(server.port);
    await server.query(
      'CREATE TABLE goneaway.restart_ledger (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40))',
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  /** Opens a pool with one live connection, SIGKILLs the server, starts it again after 1 s, runs `call` meanwhile. */
  async function duringRestart<T>(
    via: 'direct' | 'proxy',
    call: (db: Knex) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    const connection = via === 'proxy' ? proxy.route(server.connection) : server.connection;
    const db = knex(goneAway({ client: 'mysql2', connection, pool: { min: 0, max: 2 }, log: silent }));
    try {
      await db.raw('select 1');
      await server.kill();
      const restarted = new Promise<void>((resolve, reject) => {
        setTimeout(() => server.start().then(resolve, reject), 1_000);
      });
      const outcome = await call(db).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      await restarted;
      return outcome;
    } finally {
      await db.destroy();
    }
  }

  const describeOutcome = (outcome: { ok: boolean; error?: unknown }) =>
    outcome.ok
      ? 'ok'
      : `${isGoneAwayError(outcome.error) ? 'typed' : 'untyped'} ${String((outcome.error as { code?: unknown })?.code)}`;

  it('control: a read connecting directly waits out the restart and returns its rows', async () => {
    const outcome = await duringRestart('direct', (db) => db.raw('select 41 + 1 as answer'));
    expect(describeOutcome(outcome)).toBe('ok');
  });

  // The connect reset is a connect failure (sent 'no'), not a statement lost mid-flight: the read is
  // retried like a refused connect, not failed with ConnectionLostError ("may or may not have run").
  it('a read through a TCP proxy waits out the restart too (a reset handshake sent nothing)', async () => {
    const outcome = await duringRestart('proxy', (db) => db.raw('select 41 + 1 as answer'));
    expect(describeOutcome(outcome)).toBe('ok');
  });

  // db.transaction() takes its connection from the pool directly (knex execution/transaction.js,
  // acquireConnection), not through a query runner: the connect must still wait out the outage
  // (found by the chaos run: the raw ECONNREFUSED/ECONNRESET used to reach the caller at once).
  it('withTransactionRetry connecting directly waits out the restart and commits', async () => {
    const outcome = await duringRestart('direct', (db) =>
      withTransactionRetry(db, (trx) => trx('restart_ledger').insert({ note: 'direct' })),
    );
    expect(describeOutcome(outcome)).toBe('ok');
  });

  it('withTransactionRetry through a TCP proxy waits out the restart and commits', async () => {
    const outcome = await duringRestart('proxy', (db) =>
      withTransactionRetry(db, (trx) => trx('restart_ledger').insert({ note: 'proxy' })),
    );
    expect(describeOutcome(outcome)).toBe('ok');
  });

  it('whatever the outcome, a failed transaction left nothing behind and a successful one one row', async () => {
    const rows = await server.query<{ note: string; n: number }>(
      'SELECT note, COUNT(*) AS n FROM goneaway.restart_ledger GROUP BY note',
    );
    for (const row of rows) expect(Number(row.n)).toBe(1);
  });
});
