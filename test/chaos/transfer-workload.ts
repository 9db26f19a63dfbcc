import { randomBytes } from 'node:crypto';
import type { CommitResolution } from '@goneaway/core';
import { classify, isGoneAwayError, withTransactionRetry } from '@goneaway/knex';
import type { Knex } from 'knex';
import type { SeededRandom } from './seeded-random.js';

export const ACCOUNT_COUNT = 12;
export const INITIAL_BALANCE = 1_000_000;

/** The application's own error: a transfer it refuses after having debited (the transaction rolls back). */
export class TransferRefusedError extends Error {
  readonly code = 'APP_TRANSFER_REFUSED';
  constructor(readonly key: string) {
    super(`transfer ${key} refused by the application`);
    this.name = 'TransferRefusedError';
  }
}

export interface WorkloadTables {
  readonly accounts: string;
  readonly transfers: string;
}

/** What happened to one transfer, as the application saw it. */
export type TransferOutcome =
  | { readonly key: string; readonly status: 'acked' }
  | { readonly key: string; readonly status: 'surfaced'; readonly code: string; readonly typed: boolean };

export interface CommitResolutionCounts {
  committed: number;
  notCommitted: number;
  unknown: number;
}

export interface WorkloadCounters {
  readonly outcomes: TransferOutcome[];
  /** Whole-transaction runs again, by reason (transaction-lost, deadlock, not-committed). */
  readonly retries: Record<string, number>;
  readonly resolutions: CommitResolutionCounts;
  /** Errors that were neither goneaway's nor the application's own: the first few, described. */
  readonly untypedSamples: string[];
  /** Transfers still running when the run ended. */
  inFlight: number;
}

export function createCounters(): WorkloadCounters {
  return {
    outcomes: [],
    retries: {},
    resolutions: { committed: 0, notCommitted: 0, unknown: 0 },
    untypedSamples: [],
    inFlight: 0,
  };
}

/** Table names unique to this run, so a run on a shared server never meets another's rows. */
export function workloadTables(): WorkloadTables {
  const suffix = randomBytes(4).toString('hex');
  return { accounts: `chaos_accounts_${suffix}`, transfers: `chaos_transfers_${suffix}` };
}

/**
 * The idempotency key is deliberately NOT unique in the schema: a unique index would make the
 * database refuse a duplicate, hiding exactly the bug this suite looks for (a committed transaction
 * run again). Duplicates are counted afterwards instead.
 */
export async function createWorkloadSchema(
  admin: { query(sql: string, params?: unknown[]): Promise<unknown[]> },
  database: string,
  tables: WorkloadTables,
): Promise<void> {
  await admin.query(
    `CREATE TABLE ${database}.${tables.accounts} (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB`,
  );
  await admin.query(
    `CREATE TABLE ${database}.${tables.transfers} (
      id BIGINT AUTO_INCREMENT PRIMARY KEY,
      idempotency_key CHAR(24) NOT NULL,
      from_id INT NOT NULL,
      to_id INT NOT NULL,
      amount INT NOT NULL,
      payload MEDIUMBLOB NULL,
      KEY by_key (idempotency_key)
    ) ENGINE=InnoDB`,
  );
  const values = Array.from({ length: ACCOUNT_COUNT }, (_, i) => `(${i + 1}, ${INITIAL_BALANCE})`).join(', ');
  await admin.query(`INSERT INTO ${database}.${tables.accounts} VALUES ${values}`);
}

export interface WorkerOptions {
  readonly db: Knex;
  readonly tables: WorkloadTables;
  readonly random: SeededRandom;
  readonly workerId: number;
  readonly runId: string;
  readonly deadline: number;
  readonly counters: WorkloadCounters;
  /** Share of transfers carrying a BLOB of 300-700 KB (about 0.6-1.4 MB of SQL once hex-encoded). */
  readonly bigPayloadShare?: number;
  /** Share of transfers the application refuses after the debit. */
  readonly refuseShare?: number;
  /** How long the commit-outcome check keeps trying while the server is unreachable. */
  readonly resolveBudgetMs?: number;
  /**
   * How a lost COMMIT is resolved: the application looks its idempotency key up (resolveCommitOutcome,
   * the default), or goneaway's commit marker decides (`commitMarker: true`).
   */
  readonly resolver?: 'idempotency-key' | 'commit-marker';
}

/**
 * One worker: transfers until the deadline, each in `withTransactionRetry`: insert the transfer row
 * with its idempotency key, debit one account, credit another. A lost COMMIT is resolved by looking
 * the key up on another connection of the same pool.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const { db, tables, random, counters } = options;
  const bigPayloadShare = options.bigPayloadShare ?? 0.01;
  const refuseShare = options.refuseShare ?? 0.02;
  for (let seq = 0; Date.now() < options.deadline; seq++) {
    const key = `${options.runId}${options.workerId.toString(16).padStart(2, '0')}${seq.toString(16).padStart(14, '0')}`;
    const from = random.int(1, ACCOUNT_COUNT);
    const to = ((from + random.int(0, ACCOUNT_COUNT - 2)) % ACCOUNT_COUNT) + 1;
    const amount = random.int(1, 500);
    const payload = random.chance(bigPayloadShare) ? randomBytes(random.int(300, 700) * 1024) : null;
    const refuse = random.chance(refuseShare);
    counters.inFlight++;
    // Whether the failing attempt got as far as running the callback: an error before it comes from
    // acquiring the connection or from BEGIN, where nothing of the transfer was sent.
    let bodyStarted = false;
    try {
      await withTransactionRetry(
        db,
        async (trx) => {
          bodyStarted = true;
          await trx(tables.transfers).insert({
            idempotency_key: key,
            from_id: from,
            to_id: to,
            amount,
            payload,
          });
          await trx(tables.accounts).where({ id: from }).decrement('balance', amount);
          if (refuse) throw new TransferRefusedError(key);
          await trx(tables.accounts).where({ id: to }).increment('balance', amount);
          return key;
        },
        {
          maxAttempts: 10,
          onRetry: (info) => {
            bodyStarted = false;
            counters.retries[info.reason] = (counters.retries[info.reason] ?? 0) + 1;
          },
          ...(options.resolver === 'commit-marker'
            ? { commitMarker: true }
            : {
                resolveCommitOutcome: () =>
                  resolveByIdempotencyKey(db, tables, key, counters, options.resolveBudgetMs ?? 20_000),
              }),
        },
      );
      counters.outcomes.push({ key, status: 'acked' });
    } catch (error) {
      const typed = isGoneAwayError(error) || error instanceof TransferRefusedError;
      const code = typed
        ? String((error as { code: string }).code)
        : `${untypedCode(error)} ${bodyStarted ? 'in the transaction' : 'before the transaction began'}`;
      if (!typed && counters.untypedSamples.length < 10) counters.untypedSamples.push(describeUntyped(error));
      counters.outcomes.push({ key, status: 'surfaced', code, typed });
    } finally {
      counters.inFlight--;
    }
  }
}

/**
 * A lost COMMIT: did the transfer row land? A plain read could run while the old session is still
 * committing (the server got COMMIT, the client lost the reply) and wrongly answer "not committed".
 * A locking read waits for the old transaction's lock on its uncommitted row, so it answers only once
 * that transaction has committed or rolled back.
 */
async function resolveByIdempotencyKey(
  db: Knex,
  tables: WorkloadTables,
  key: string,
  counters: WorkloadCounters,
  budgetMs: number,
): Promise<CommitResolution<string>> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    try {
      const [rows] = (await db.raw(
        `SELECT COUNT(*) AS n FROM ${tables.transfers} WHERE idempotency_key = ? LOCK IN SHARE MODE`,
        [key],
      )) as [Array<{ n: number | string }>];
      if (Number(rows[0]?.n) > 0) {
        counters.resolutions.committed++;
        return { outcome: 'committed', value: key };
      }
      counters.resolutions.notCommitted++;
      return { outcome: 'not-committed' };
    } catch {
      if (Date.now() > deadline) {
        counters.resolutions.unknown++;
        return { outcome: 'unknown' };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** `untyped:<driver code> (<goneaway's kind>, sent <no|maybe|yes>)`: what the error was and what it meant. */
function untypedCode(error: unknown): string {
  const e = error as { code?: unknown; errno?: unknown; name?: unknown } | undefined;
  const { kind, sent } = classify(error);
  return `untyped:${String(e?.code ?? e?.errno ?? e?.name ?? typeof error)} (${kind}, sent ${sent})`;
}

function describeUntyped(error: unknown): string {
  if (!(error instanceof Error)) return `${typeof error}: ${String(error).slice(0, 200)}`;
  const e = error as Error & { code?: unknown; errno?: unknown };
  const frame = e.stack?.split('\n').slice(1, 3).join(' | ').trim() ?? '';
  return `${e.name} code=${String(e.code)} errno=${String(e.errno)}: ${e.message.slice(0, 200)} @ ${frame}`;
}
