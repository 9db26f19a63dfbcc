import { createMarkerTableSql } from '@goneaway/core/adapter';
import { type GoneAwayConfigError, goneAway, isGoneAwayConfigError } from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  commitMarkerStats,
  describeWithOwnServer,
  faultOnce,
  ledgerRows,
  MARKERS,
  openBare,
  settle,
  startLedgerServer,
  withTransactionRetry,
} from './support.js';

// The marker table is created on demand; a user who may not create it gets an error naming the
// privilege, and a pre-created table needs only SELECT, INSERT and DELETE (KILL of one's own sessions
// needs nothing).
describeWithOwnServer('exactly-once: privileges and configuration', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startLedgerServer();
    proxy = await startFaultProxy(server.port);
    await server.query("create user 'nocreate'@'%' identified by 'nocreate-pw'");
    await server.query("grant select, insert, update, delete on goneaway.* to 'nocreate'@'%'");
    await server.query("create user 'noinsert'@'%' identified by 'noinsert-pw'");
    await server.query("grant select, insert on goneaway.ledger to 'noinsert'@'%'");
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  function openAs(user: string, password: string): Knex {
    return knex(
      goneAway({
        client: 'mysql2',
        connection: proxy.route({ ...server.connection, user, password }),
        pool: { min: 0, max: 2 },
      }),
    );
  }

  it('a user without CREATE gets GoneAwayConfigError naming the privilege; the callback never runs', async () => {
    const db = openAs('nocreate', 'nocreate-pw');
    try {
      let runs = 0;
      const { error } = await settle(
        withTransactionRetry(
          db,
          async () => {
            runs++;
          },
          { commitMarker: true },
        ),
      );
      expect(isGoneAwayConfigError(error)).toBe(true);
      const configError = error as GoneAwayConfigError;
      expect(configError.path).toBe('commitMarker.table');
      expect(configError.message).toContain('lacks the CREATE privilege');
      expect(configError.message).toContain(MARKERS);
      expect(configError.message).toContain('error 1142');
      expect(runs).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('with the table created beforehand the same user needs no CREATE, and a lost COMMIT is resolved', async () => {
    await server.query(createMarkerTableSql(`goneaway.${MARKERS}`));
    const db = openAs('nocreate', 'nocreate-pw');
    try {
      let runs = 0;
      proxy.onClientData(faultOnce('COMMIT;', 'forward-then-reset').hook);
      const result = await withTransactionRetry(
        db,
        async (trx) => {
          runs++;
          await trx('ledger').insert({ k: 'precreated', amount: 1 });
          return 'ok';
        },
        { commitMarker: true },
      );
      expect(result).toBe('ok');
      expect(runs).toBe(1);
      expect(await ledgerRows(server, 'precreated')).toBe(1);
      expect(commitMarkerStats(db)).toMatchObject({ resolvedCommitted: 1 });
    } finally {
      proxy.onClientData(undefined);
      await db.destroy();
    }
  });

  it('a user who may not INSERT markers gets GoneAwayConfigError naming INSERT; its transaction is rolled back', async () => {
    await server.query(createMarkerTableSql(`goneaway.${MARKERS}`));
    await server.query(`grant select, delete on goneaway.${MARKERS} to 'noinsert'@'%'`);
    const db = openAs('noinsert', 'noinsert-pw');
    try {
      const { error } = await settle(
        withTransactionRetry(
          db,
          async (trx) => {
            await trx('ledger').insert({ k: 'noinsert', amount: 1 });
          },
          { commitMarker: true },
        ),
      );
      expect(isGoneAwayConfigError(error)).toBe(true);
      expect((error as GoneAwayConfigError).message).toContain('lacks the INSERT privilege');
      expect(await ledgerRows(server, 'noinsert')).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('refuses commitMarker on a knex instance without goneaway, and together with resolveCommitOutcome', async () => {
    const bare = openBare(server, proxy);
    const db = openAs('nocreate', 'nocreate-pw');
    try {
      expect(() => withTransactionRetry(bare, async () => 1, { commitMarker: true })).toThrow(
        /goneaway option `commitMarker`: expected a knex instance created with knex\(goneAway\(config\)\)/,
      );
      const { error } = await settle(
        withTransactionRetry(db, async () => 1, {
          commitMarker: true,
          resolveCommitOutcome: async () => ({ outcome: 'unknown' }),
        }),
      );
      expect(isGoneAwayConfigError(error)).toBe(true);
      expect((error as GoneAwayConfigError).path).toBe('resolveCommitOutcome');
      expect(() =>
        withTransactionRetry(db, async () => 1, { commitMarker: { table: 'x; drop table ledger' } }),
      ).toThrow(/commitMarker\.table/);
    } finally {
      await bare.destroy();
      await db.destroy();
    }
  });
});
