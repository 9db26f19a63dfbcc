import {
  type CommitMarkerOptions,
  GoneAwayConfigError,
  runTransactionWithRetry,
  type TransactionRetryOptions,
} from '@goneaway/core';
import { parseCommitMarkerOptions, runTransactionWithCommitMarker } from '@goneaway/core/adapter';
import {
  instanceOfClient,
  markerSetOf,
  type RawTransactionClient,
  transactionMarkerConnection,
} from './prisma-commit-markers.js';

export interface WithTransactionRetryOptions<T> extends TransactionRetryOptions<T> {
  /** Passed to `prisma.$transaction(fn, transactionOptions)`: maxWait, timeout, isolationLevel. */
  readonly transactionOptions?: Record<string, unknown>;
  /**
   * Exactly once: a marker row written as the transaction's last statement decides a lost COMMIT
   * (committed: its result is returned; rolled back: it runs again) instead of CommitOutcomeUnknownError.
   * Needs a PrismaClient whose adapter is withGoneaway(...).
   */
  readonly commitMarker?: boolean | CommitMarkerOptions;
}

/** What withTransactionRetry needs of a PrismaClient. */
export interface InteractiveTransactionClient<Tx> {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: never): Promise<R>;
}

const PRISMA_WRITE_CONFLICT = 'P2034';
const DEADLOCK_ERRNO = 1213;

/** Carries a Prisma deadlock (P2034, errno 1213) through core's loop, which reads `errno`. */
class PrismaDeadlock {
  readonly errno = DEADLOCK_ERRNO;
  constructor(readonly error: unknown) {}
}

function isPrismaDeadlock(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  };
  return (
    e?.code === PRISMA_WRITE_CONFLICT ||
    e?.meta?.driverAdapterError?.cause?.originalCode === String(DEADLOCK_ERRNO)
  );
}

const unwrap = (error: unknown): unknown => (error instanceof PrismaDeadlock ? error.error : error);

/**
 * Runs `prisma.$transaction(fn)` and runs it again, whole, in a new transaction, after
 * `GONEAWAY_TRANSACTION_LOST` (the connection died inside it and the server rolled it back) or a
 * deadlock (P2034), up to `maxAttempts` (3) with backoff. Prisma cannot run a transaction again
 * from inside the adapter: this is the place. After `GONEAWAY_COMMIT_UNKNOWN` it runs again only
 * when the commit is known not to have happened: with `commitMarker` the marker tells (its insert is
 * the callback's last statement, through `tx.$executeRawUnsafe`); otherwise `resolveCommitOutcome`,
 * if given. `fn` must be safe to run again from the start.
 */
export async function withTransactionRetry<Tx, T>(
  prisma: InteractiveTransactionClient<Tx>,
  fn: (tx: Tx) => Promise<T>,
  options: WithTransactionRetryOptions<T> = {},
): Promise<T> {
  if (typeof (prisma as Partial<InteractiveTransactionClient<Tx>> | null)?.$transaction !== 'function') {
    throw new TypeError(
      'withTransactionRetry(prisma, fn): prisma must be a PrismaClient (it has no $transaction).',
    );
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`withTransactionRetry(prisma, fn): fn must be a function, got ${typeof fn}.`);
  }
  const { transactionOptions, onRetry, commitMarker, ...rest } = options;
  const settings = parseCommitMarkerOptions(commitMarker);
  const retryOptions = {
    ...rest,
    ...(onRetry === undefined
      ? {}
      : {
          onRetry: (info: Parameters<typeof onRetry>[0]) => onRetry({ ...info, error: unwrap(info.error) }),
        }),
  };
  const transaction = async (body: (tx: Tx) => Promise<T>): Promise<T> => {
    try {
      return await prisma.$transaction(body, transactionOptions as never);
    } catch (error) {
      throw isPrismaDeadlock(error) ? new PrismaDeadlock(error) : error;
    }
  };
  try {
    if (settings === undefined) return await runTransactionWithRetry(() => transaction(fn), retryOptions);
    const instance = instanceOfClient(prisma);
    if (instance === undefined) {
      // Only goneaway's adapter turns a lost COMMIT into CommitOutcomeUnknownError, which the marker resolves.
      throw new GoneAwayConfigError({
        issues: [
          {
            path: 'commitMarker',
            expected: 'a PrismaClient created with { adapter: withGoneaway(new PrismaMariaDb(config)) }',
            received: 'a client without goneaway',
          },
        ],
      });
    }
    // Prisma connects on its first query: the marker's statements outside the transaction need its pool.
    if (instance.openPool() === undefined) await (prisma as { $connect?: () => Promise<void> }).$connect?.();
    return await runTransactionWithCommitMarker<Tx, T>(
      markerSetOf(instance).markerFor(settings),
      {
        transaction,
        connectionOf: (tx) => transactionMarkerConnection(tx as RawTransactionClient, instance),
        resolveTimeoutMs: settings.resolveTimeoutMs ?? instance.policy.outageBudgetMs,
      },
      fn,
      retryOptions,
    );
  } catch (error) {
    throw unwrap(error);
  }
}
