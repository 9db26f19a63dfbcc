import { goneAway, withTransactionRetry } from '@goneaway/knex';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type GaleraCluster,
  galeraUnavailableReason,
  noControlReason,
  startGaleraCluster,
} from '../../harness/src/index.js';

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`Galera certification tests skipped: ${skipReason}`);

const INCREMENTS = 40;

function codeOf(error: unknown): string {
  const record = error as { code?: unknown; errno?: unknown };
  return String(record.code ?? record.errno ?? 'unknown');
}

/**
 * Two applications writing the same row through two different Galera nodes (multi-writer): a
 * conflicting transaction is aborted by certification at COMMIT with 1213 / 40001 "Deadlock: wsrep
 * aborted transaction". That is a definite rollback: nothing of it committed, so running the whole
 * transaction again is safe.
 */
describe.skipIf(skipReason !== undefined)('Galera certification conflicts between two writers', () => {
  let cluster: GaleraCluster;

  beforeAll(async () => {
    cluster = await startGaleraCluster({ nodes: 3 });
    await cluster
      .node(1)
      .query('CREATE TABLE goneaway.counter (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB');
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  async function resetCounter(): Promise<void> {
    await cluster.node(1).query('REPLACE INTO goneaway.counter VALUES (1, 0)');
    await cluster.waitForSynced({ timeoutMs: 30_000 });
  }

  async function counterOn(index: number): Promise<number> {
    const rows = await cluster
      .node(index)
      .query<{ n: number }>('SELECT n FROM goneaway.counter WHERE id = 1');
    return Number(rows[0]?.n);
  }

  /** `INCREMENTS` read-modify-write transactions on the row, from each of two nodes at once. */
  async function race(
    dbs: readonly Knex[],
    run: (db: Knex, body: (trx: Knex.Transaction) => Promise<void>) => Promise<unknown>,
  ) {
    const failures = new Map<string, number>();
    let committed = 0;
    await Promise.all(
      dbs.map(async (db) => {
        for (let i = 0; i < INCREMENTS; i++) {
          try {
            await run(db, async (trx) => {
              // FOR UPDATE: on one node the row lock orders the transactions; across nodes only
              // certification can, at COMMIT.
              const row = await trx('counter').where({ id: 1 }).forUpdate().first('n');
              await trx('counter')
                .where({ id: 1 })
                .update({ n: Number(row?.n) + 1 });
            });
            committed++;
          } catch (error) {
            failures.set(codeOf(error), (failures.get(codeOf(error)) ?? 0) + 1);
          }
        }
      }),
    );
    return { failures, committed };
  }

  it('goneaway: withTransactionRetry runs an aborted transaction again; every increment lands exactly once', async () => {
    await resetCounter();
    const dbs = [1, 2].map((index) =>
      knex(
        goneAway({
          client: 'mysql2',
          connection: { ...cluster.node(index).connection },
          pool: { min: 0, max: 2 },
        }),
      ),
    );
    try {
      let retries = 0;
      const { failures, committed } = await race(dbs, (db, body) =>
        withTransactionRetry(db, body, {
          maxAttempts: 50,
          onRetry: (info) => {
            expect(info.reason).toBe('deadlock');
            retries++;
          },
        }),
      );
      await cluster.waitForSynced({ timeoutMs: 30_000 });
      console.info(
        `[galera] goneaway, 2 × ${INCREMENTS} conflicting increments on two nodes: ${committed} committed, ${retries} runs again after certification aborts, failures ${JSON.stringify(Object.fromEntries(failures))}`,
      );
      expect(failures.size).toBe(0);
      expect(committed).toBe(2 * INCREMENTS);
      expect(await counterOn(3)).toBe(2 * INCREMENTS);
      expect(retries).toBeGreaterThan(0);
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  }, 180_000);

  it('bare knex (control): db.transaction fails with ER_LOCK_DEADLOCK on the conflicts; the counter misses them', async () => {
    await resetCounter();
    const dbs = [1, 2].map((index) =>
      knex({ client: 'mysql2', connection: { ...cluster.node(index).connection }, pool: { min: 0, max: 2 } }),
    );
    try {
      const { failures, committed } = await race(dbs, (db, body) => db.transaction(body));
      await cluster.waitForSynced({ timeoutMs: 30_000 });
      const counter = await counterOn(3);
      console.info(
        `[galera] bare knex, 2 × ${INCREMENTS} conflicting increments on two nodes: ${committed} committed, counter ${counter}, failures ${JSON.stringify(Object.fromEntries(failures))}`,
      );
      expect(failures.get('ER_LOCK_DEADLOCK') ?? 0).toBeGreaterThan(0);
      expect(counter).toBe(committed);
      expect(counter).toBeLessThan(2 * INCREMENTS);
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  }, 180_000);
});
