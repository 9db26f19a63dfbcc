import { randomBytes } from 'node:crypto';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../packages/core/src/classification/classify.js';
import {
  CommitOutcomeUnknownError,
  isCommitOutcomeUnknown,
} from '../../packages/core/src/errors/commit-outcome-unknown-error.js';
import { TransactionLostError } from '../../packages/core/src/errors/transaction-lost-error.js';
import {
  runTransactionWithRetry,
  type TransactionRetryInfo,
} from '../../packages/core/src/transactions/run-transaction-with-retry.js';
import {
  type ConnectionInfo,
  type FaultProxy,
  type MariaDBServer,
  sharedServer,
  startFaultProxy,
} from '../harness/src/index.js';

/**
 * What a driver wrapper does around one run (the knex plugin's withTransactionRetry supplies the real
 * one): BEGIN, the body, COMMIT, with a dead connection mapped to TRANSACTION_LOST before COMMIT and
 * to COMMIT_UNKNOWN during it.
 */
async function runOnceWith<T>(
  info: ConnectionInfo,
  body: (connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await createConnection(info);
  connection.on('error', () => undefined);
  let phase: 'body' | 'commit' = 'body';
  try {
    await connection.query('BEGIN');
    const value = await body(connection);
    phase = 'commit';
    await connection.query('COMMIT');
    return value;
  } catch (error) {
    const classification = classify(error);
    if (classification.connection === 'dispose') {
      if (phase === 'commit') throw new CommitOutcomeUnknownError({ cause: error, classification });
      throw new TransactionLostError({ cause: error, classification });
    }
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    connection.destroy();
  }
}

describe('runTransactionWithRetry against a real MariaDB', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  const suffix = randomBytes(4).toString('hex');
  const accounts = `accounts_${suffix}`;
  const ledger = `ledger_${suffix}`;
  let db: string;

  beforeAll(async () => {
    server = sharedServer();
    proxy = await startFaultProxy(server.port);
    db = server.connection.database;
    await server.query(
      `CREATE TABLE ${db}.${accounts} (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=InnoDB`,
    );
    await server.query(`INSERT INTO ${db}.${accounts} VALUES (1, 100), (2, 100)`);
    await server.query(
      `CREATE TABLE ${db}.${ledger} (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40) NOT NULL) ENGINE=InnoDB`,
    );
  });
  afterAll(async () => {
    await server?.query(`DROP TABLE IF EXISTS ${db}.${accounts}, ${db}.${ledger}`);
    await proxy?.close();
  });

  async function ledgerRows(note: string): Promise<number> {
    const rows = await server.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${db}.${ledger} WHERE note = ?`,
      [note],
    );
    return Number(rows[0]?.n);
  }

  it('runs the deadlock victim again: both transfers apply exactly once', async () => {
    // Both transactions take their first lock, then wait for each other: a real 1213 for one of them.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothLocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const retries: TransactionRetryInfo[] = [];
    const transfer = (from: number, to: number) =>
      runTransactionWithRetry(
        (attempt) =>
          runOnceWith(server.connection, async (connection) => {
            await connection.query(`UPDATE ${accounts} SET balance = balance - 10 WHERE id = ?`, [from]);
            if (attempt === 1) {
              if (++arrived === 2) release();
              await bothLocked;
            }
            await connection.query(`UPDATE ${accounts} SET balance = balance + 10 WHERE id = ?`, [to]);
            return attempt;
          }),
        { onRetry: (info) => retries.push(info) },
      );
    const attempts = await Promise.all([transfer(1, 2), transfer(2, 1)]);
    expect(attempts.sort()).toEqual([1, 2]);
    expect(retries.map((r) => [r.attempt, r.reason])).toEqual([[1, 'deadlock']]);
    expect(retries[0]?.error).toMatchObject({ errno: 1213 });
    const balances = await server.query<{ id: number; balance: number }>(
      `SELECT id, balance FROM ${db}.${accounts} ORDER BY id`,
    );
    expect(balances).toEqual([
      { id: 1, balance: 100 },
      { id: 2, balance: 100 },
    ]);
  });

  it('runs a transaction again after its connection was KILLed mid-way: one row', async () => {
    const note = 'killed-mid-transaction';
    const retries: TransactionRetryInfo[] = [];
    const result = await runTransactionWithRetry(
      (attempt) =>
        runOnceWith(server.connection, async (connection) => {
          await connection.query(`INSERT INTO ${ledger} (note) VALUES (?)`, [note]);
          if (attempt === 1) await server.query(`KILL ${connection.threadId}`);
          await connection.query('SELECT 1');
          return `done on attempt ${attempt}`;
        }),
      { onRetry: (info) => retries.push(info) },
    );
    expect(result).toBe('done on attempt 2');
    expect(retries.map((r) => r.reason)).toEqual(['transaction-lost']);
    expect(await ledgerRows(note)).toBe(1);
  });

  it('a lost COMMIT reply: CommitOutcomeUnknownError, never run again blindly, one row', async () => {
    const note = 'commit-reply-lost';
    proxy.onClientData((chunk) => (chunk.includes('COMMIT') ? 'forward-then-reset' : 'forward'));
    let runs = 0;
    try {
      const error = await runTransactionWithRetry(async () => {
        runs++;
        return runOnceWith(proxy.route(server.connection), (connection) =>
          connection.query(`INSERT INTO ${ledger} (note) VALUES (?)`, [note]),
        );
      }).catch((caught: unknown) => caught);
      expect(isCommitOutcomeUnknown(error)).toBe(true);
    } finally {
      proxy.onClientData(undefined);
    }
    expect(runs).toBe(1);
    expect(await ledgerRows(note)).toBe(1);
  });

  it('with a resolver (where issue 12 plugs in): committed resolves, not committed runs again; one row each', async () => {
    for (const [note, action] of [
      ['commit-arrived', 'forward-then-reset'],
      ['commit-never-arrived', 'reset'],
    ] as const) {
      let cut = false;
      proxy.onClientData((chunk) => {
        if (!cut && chunk.includes('COMMIT')) {
          cut = true;
          return action;
        }
        return 'forward';
      });
      let runs = 0;
      try {
        const result = await runTransactionWithRetry(
          async (attempt) => {
            runs++;
            await runOnceWith(proxy.route(server.connection), (connection) =>
              connection.query(`INSERT INTO ${ledger} (note) VALUES (?)`, [note]),
            );
            return `ran ${attempt}`;
          },
          {
            // A stand-in for the commit marker: the row itself tells whether COMMIT applied.
            resolveCommitOutcome: async (_error, { attempt }) =>
              (await ledgerRows(note)) === 1
                ? { outcome: 'committed', value: `committed ${attempt}` }
                : { outcome: 'not-committed' },
          },
        );
        expect(result).toBe(action === 'reset' ? 'ran 2' : 'committed 1');
        expect(runs).toBe(action === 'reset' ? 2 : 1);
      } finally {
        proxy.onClientData(undefined);
      }
      expect(await ledgerRows(note)).toBe(1);
    }
  });
});
