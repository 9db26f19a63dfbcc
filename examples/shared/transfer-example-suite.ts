import { codeOf, describeWithOwnServer, type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TransferExampleOptions, TransferExampleReport } from './transfer-example.js';

/**
 * The test of an adapter example's transfer program against a private MariaDB: its normal run, the
 * same run with its transaction's session and its idle pool KILLed, and the KILL on a bare mysql2
 * pool beside it. `extra` is what this library's report adds, expected in every committed run.
 */
export function describeTransferExample<R extends TransferExampleReport>(example: {
  readonly library: string;
  readonly run: (url: string, options?: TransferExampleOptions) => Promise<R>;
  /** The example's accounts table, read by the admin after the bare run. */
  readonly accountsTable: string;
  readonly extra?: Partial<R>;
}): void {
  describeWithOwnServer(`example: ${example.library} on a wrapMysql2 pool`, () => {
    let server: MariaDBServer;

    beforeAll(async () => {
      server = await startMariaDB();
    });
    afterAll(async () => {
      await server?.destroy();
    });

    const moved = [
      { id: 1, owner: 'Ada', balance: 70 },
      { id: 2, owner: 'grace', balance: 80 },
    ];

    it('reads, writes, and a transfer in db.transaction that holds one connection and releases that same object', async () => {
      const report = await example.run(server.url);
      expect(report).toEqual({
        balances: moved,
        transferAttempts: 1,
        lostCodes: [],
        transferSessions: [expect.any(Number), expect.any(Number)],
        transferAcquires: 1,
        releasedSameConnection: true,
        ...example.extra,
      });
      expect(report.transferSessions[1]).toBe(report.transferSessions[0]);
    });

    it('goneaway: idle sessions KILLed are survived; a KILL inside the transaction is GONEAWAY_TRANSACTION_LOST and the transfer runs again whole, once', async () => {
      let killedIdle = 0;
      const killedInTransaction: number[] = [];
      const report = await example.run(server.url, {
        whileIdle: async () => {
          killedIdle = await server.killConnections();
        },
        insideTransaction: async (sessionId, attempt) => {
          if (attempt > 1) return;
          killedInTransaction.push(sessionId);
          await server.query(`KILL ${Number(sessionId)}`);
        },
      });
      expect(killedIdle).toBeGreaterThan(0);
      expect(report.lostCodes).toEqual(['GONEAWAY_TRANSACTION_LOST']);
      expect(report.transferAttempts).toBe(2);
      // The debit of the lost run was rolled back by the server: the money moved exactly once.
      expect(report.balances).toEqual(moved);
      expect(report).toMatchObject(example.extra ?? {});
      // The second run held a fresh connection, again one for the whole transaction.
      expect(report.transferSessions[0]).not.toBe(killedInTransaction[0]);
      expect(report.transferSessions[1]).toBe(report.transferSessions[0]);
      expect(report.releasedSameConnection).toBe(true);
    });

    it('bare mysql2 pool (control): the same KILL fails the transfer with an error that has no goneaway code', async () => {
      const error = await example
        .run(server.url, {
          bare: true,
          insideTransaction: async (sessionId) => {
            await server.query(`KILL ${Number(sessionId)}`);
          },
        })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(Error);
      expect(String(codeOf(error))).not.toMatch(/^GONEAWAY_/);
      const balances = await server.query(
        `select id, balance from goneaway.${example.accountsTable} order by id`,
      );
      expect(balances).toEqual([
        { id: 1, balance: 100 },
        { id: 2, balance: 50 },
      ]);
    });
  });
}
