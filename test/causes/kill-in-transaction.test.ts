import { findGoneAwayError, isTransactionLost, TransactionLostError } from '@goneaway/core';
import type { MariaDBServer } from '@goneaway/test-harness';
import { describe, expect, it } from 'vitest';
import { codeOf, SUBJECTS, type TransactionCalls } from './subjects.js';
import { describeWithOwnServer, failureOf, openEach, rowsOf, useCauseServer } from './support.js';

/**
 * What a bare library rejects the transaction with, where it is stable: the mysql2-based ones race
 * the socket's close (EPIPE, or no code at all for "Can't add new command when connection is in
 * closed state"), so for them the scenario checks only that nothing says the transaction was lost.
 */
const BARE_CODE: Record<string, string> = { prisma: 'P2039' };

/** goneaway's TransactionLostError itself, where each library keeps it (Prisma keeps only its fields). */
const LOST_ERROR: Record<string, (error: unknown) => unknown> = {
  knex: (error) => error,
  mysql2: (error) => error,
  typeorm1: (error) => (error as { driverError?: unknown }).driverError,
  typeorm03: (error) => (error as { driverError?: unknown }).driverError,
  sequelize: (error) => (error as { original?: unknown }).original,
};

// KILL of the connection inside a transaction: its work is gone, so the whole transaction is lost
// (GONEAWAY_TRANSACTION_LOST), nothing of it committed; withTransactionRetry runs it all again.
describeWithOwnServer('cause: KILL inside a transaction', () => {
  let server: MariaDBServer;
  useCauseServer((started) => {
    server = started;
  });

  /** One row, then the transaction's own connection KILLed from outside. */
  async function insertThenKill(tx: TransactionCalls, key: string): Promise<void> {
    await tx.insert(key, 1);
    const [row] = await tx.read('select connection_id() as id');
    await server.query(`KILL ${Number(row?.id)}`);
  }

  describe.each(SUBJECTS)('$name', (subject) => {
    const open = openEach(subject);
    const key = (name: string) => `${subject.tag}-${name}`;

    it('goneaway: GONEAWAY_TRANSACTION_LOST; later statements fail at once; nothing committed; the next transaction works', async () => {
      const db = await open('goneaway', server.connection);
      let afterLoss: unknown;
      let afterLossMs = Number.POSITIVE_INFINITY;
      const lost = await failureOf(
        db.transaction(async (tx) => {
          await insertThenKill(tx, key('tx1'));
          const error = await failureOf(tx.insert(key('tx1'), 2));
          // A later statement of the lost transaction fails at once, without touching a connection.
          const started = performance.now();
          afterLoss = await failureOf(tx.read('select 1'));
          afterLossMs = performance.now() - started;
          throw error;
        }),
      );
      expect(codeOf(lost)).toBe('GONEAWAY_TRANSACTION_LOST');
      expect(isTransactionLost(findGoneAwayError(lost))).toBe(true);
      const own = LOST_ERROR[subject.tag];
      if (own !== undefined) expect(own(lost)).toBeInstanceOf(TransactionLostError);
      expect(codeOf(afterLoss)).toBe('GONEAWAY_TRANSACTION_LOST');
      expect(afterLossMs).toBeLessThan(100);
      expect(await rowsOf(server, key('tx1'))).toBe(0);
      expect(db.stats().events.retry).toBe(0);
      await db.transaction((tx) => tx.insert(key('tx1-next'), 1));
      expect(await rowsOf(server, key('tx1-next'))).toBe(1);
    });

    it('goneaway: a callback that swallows the loss still gets GONEAWAY_TRANSACTION_LOST (at COMMIT); nothing committed', async () => {
      const db = await open('goneaway', server.connection);
      const lost = await failureOf(
        db.transaction(async (tx) => {
          await insertThenKill(tx, key('tx2'));
          await tx.insert(key('tx2'), 2).catch(() => undefined);
        }),
      );
      expect(codeOf(lost)).toBe('GONEAWAY_TRANSACTION_LOST');
      expect(await rowsOf(server, key('tx2'))).toBe(0);
    });

    it('goneaway: withTransactionRetry runs the whole transaction again after the KILL: one row', async () => {
      const db = await open('goneaway', server.connection);
      let runs = 0;
      const result = await db.withTransactionRetry(async (tx) => {
        runs++;
        if (runs === 1) {
          await insertThenKill(tx, key('tx3'));
          await tx.insert(key('tx3'), 99);
        } else await tx.insert(key('tx3'), runs);
        return runs;
      });
      expect(result).toBe(2);
      expect(await rowsOf(server, key('tx3'))).toBe(1);
    });

    it('bare (control): the same KILL rejects the transaction with no goneaway code; nothing committed', async () => {
      const db = await open('bare', server.connection);
      const lost = await failureOf(
        db.transaction(async (tx) => {
          await insertThenKill(tx, key('tx4'));
          await tx.insert(key('tx4'), 2);
        }),
      );
      expect(lost).toBeInstanceOf(Error);
      expect(String(codeOf(lost))).not.toMatch(/^GONEAWAY_/);
      if (BARE_CODE[subject.tag] !== undefined) expect(codeOf(lost)).toBe(BARE_CODE[subject.tag]);
      expect(await rowsOf(server, key('tx4'))).toBe(0);
    });
  });
});
