import { runTransactionWithRetry, type TransactionRetryOptions } from '@goneaway/core';

export interface WithTransactionRetryOptions<T> extends TransactionRetryOptions<T> {
  /** Passed to `prisma.$transaction(fn, transactionOptions)`: maxWait, timeout, isolationLevel. */
  readonly transactionOptions?: Record<string, unknown>;
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
 * from inside the adapter: this is the place. `fn` must be safe to run again from the start.
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
  const { transactionOptions, onRetry, ...retryOptions } = options;
  try {
    return await runTransactionWithRetry(
      async () => {
        try {
          return await prisma.$transaction(fn, transactionOptions as never);
        } catch (error) {
          throw isPrismaDeadlock(error) ? new PrismaDeadlock(error) : error;
        }
      },
      {
        ...retryOptions,
        ...(onRetry === undefined
          ? {}
          : { onRetry: (info) => onRetry({ ...info, error: unwrap(info.error) }) }),
      },
    );
  } catch (error) {
    throw unwrap(error);
  }
}
