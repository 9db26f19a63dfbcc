import {
  ConnectionLostError,
  findGoneAwayError,
  goneAwaySequelize,
  isConnectionLost,
  isGoneAwayConfigError,
  stats,
  withTransactionRetry,
} from '@goneaway/sequelize';
import {
  type ClientDataAction,
  type FaultProxy,
  type MariaDBServer,
  startFaultProxy,
  startMariaDB,
} from '@goneaway/test-harness';
import { DatabaseError, type Options, Transaction } from 'sequelize';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  appOptions,
  createSequelize,
  describeWithOwnServer,
  failureOf,
  sleep,
  TABLES_SQL,
} from './support.js';

/**
 * The `retry` option Sequelize users are told to add for "connection lost" errors: run the query
 * again when the error's name or message matches a connection error.
 */
const ADVISED_RETRY: Options['retry'] = {
  match: [
    /ECONNRESET/,
    /ETIMEDOUT/,
    /EPIPE/,
    /SequelizeConnectionError/,
    /SequelizeConnectionRefusedError/,
    /SequelizeConnectionTimedOutError/,
  ],
  max: 3,
};

// A write whose reply was lost after the server ran it (the fault proxy forwards the statement, then
// cuts the client off before the answer): Sequelize's advised `retry.match` beside goneaway.
describeWithOwnServer('Sequelize: a lost reply to an INSERT', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startMariaDB();
    for (const sql of TABLES_SQL) await server.query(sql);
    proxy = await startFaultProxy(server.port);
  });
  afterEach(() => {
    proxy.onClientData(undefined);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  const rows = async (k: string) =>
    Number(
      (await server.query<{ n: number }>('select count(*) as n from goneaway.t where k = ?', [k]))[0]?.n,
    );

  /** The first packet that carries `marker` is forwarded, then the client is reset before the reply. */
  function loseReplyOnce(marker: string, action: ClientDataAction = 'forward-then-reset'): () => boolean {
    let fired = false;
    proxy.onClientData((chunk) => {
      if (fired || !chunk.includes(marker)) return 'forward';
      fired = true;
      return action;
    });
    return () => fired;
  }

  it('bare Sequelize with the advised retry.match (control): the INSERT is run again and the row is there twice', async () => {
    const { sequelize, Row } = createSequelize('bare', {
      connection: proxy.route(server.connection),
      sequelizeOptions: { retry: ADVISED_RETRY },
    });
    try {
      await sequelize.query('select 1');
      const fired = loseReplyOnce('lost-reply-bare');
      // Model.create binds its values: the packet that carries the value is the one that runs the INSERT.
      await Row.create({ k: 'lost-reply-bare', v: 1 });
      expect(fired()).toBe(true);
      await sleep(100);
      const count = await rows('lost-reply-bare');
      console.info(`bare Sequelize + advised retry.match, lost reply to an INSERT: resolved, ${count} rows`);
      expect(count).toBe(2);
    } finally {
      await sequelize.close();
    }
  });

  it('goneaway: the same lost reply rejects with GONEAWAY_CONNECTION_LOST and the row is there once', async () => {
    const { sequelize, Row } = createSequelize('goneaway', { connection: proxy.route(server.connection) });
    try {
      await sequelize.query('select 1');
      const fired = loseReplyOnce('lost-reply-goneaway');
      const error = await failureOf(Row.create({ k: 'lost-reply-goneaway', v: 1 }));
      expect(fired()).toBe(true);
      expect(error).toBeInstanceOf(DatabaseError);
      expect(isConnectionLost(findGoneAwayError(error))).toBe(true);
      expect((error as DatabaseError).original).toBeInstanceOf(ConnectionLostError);
      await sleep(100);
      expect(await rows('lost-reply-goneaway')).toBe(1);
      expect(stats(sequelize).events.retry).toBe(0);
      // A read that loses its reply the same way is run again: it may.
      loseReplyOnce('lost-reply-read');
      const [found] = await sequelize.query(
        "select 'lost-reply-read' as marker, count(*) as n from goneaway.t where k = 'lost-reply-goneaway'",
      );
      expect(found).toEqual([{ marker: 'lost-reply-read', n: 1 }]);
      expect(stats(sequelize).events.retry).toBe(1);
    } finally {
      await sequelize.close();
    }
  });

  it('goneaway refuses the advised retry.match, naming the option and why', () => {
    let error: unknown;
    try {
      goneAwaySequelize({ ...appOptions({ connection: server.connection }), retry: ADVISED_RETRY });
    } catch (caught) {
      error = caught;
    }
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect((error as Error).message).toContain('retry.match');
    expect((error as Error).message).toContain('runs again writes that may have run');
  });

  it("goneaway: the reply to SET TRANSACTION (the transaction's first statement) lost: GONEAWAY_TRANSACTION_LOST, and withTransactionRetry runs it again: one row", async () => {
    const { sequelize, Row } = createSequelize('goneaway', { connection: proxy.route(server.connection) });
    try {
      await sequelize.query('select 1');
      const fired = loseReplyOnce('SET TRANSACTION ISOLATION LEVEL');
      let runs = 0;
      const reasons: string[] = [];
      const result = await withTransactionRetry(
        sequelize,
        async (transaction) => {
          runs++;
          await Row.create({ k: 'lost-set-transaction', v: runs }, { transaction });
          return runs;
        },
        {
          isolationLevel: Transaction.ISOLATION_LEVELS.SERIALIZABLE,
          onRetry: (info) => reasons.push(info.reason),
        },
      );
      expect(fired()).toBe(true);
      // The first attempt failed before Sequelize called the callback (while it set the transaction up).
      expect(reasons).toEqual(['transaction-lost']);
      expect(result).toBe(1);
      expect(await rows('lost-set-transaction')).toBe(1);
    } finally {
      await sequelize.close();
    }
  });
});
