import { classify } from '../classification/classify.js';
import { causeChain, readProperty } from '../classification/read-property.js';
import { isCommitOutcomeUnknown } from '../errors/commit-outcome-unknown-error.js';
import { GoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { findGoneAwayError } from '../errors/goneaway-error.js';
import { isTransactionLost, TransactionLostError } from '../errors/transaction-lost-error.js';
import { describeReceived } from '../policy/describe-received.js';
import type { Policy } from '../policy/options.js';
import { DEFAULT_POLICY } from '../policy/parse-policy.js';
import { sleep } from '../retry/abortable.js';
import { BackoffSchedule } from '../retry/backoff-schedule.js';

/**
 * What a lost COMMIT turned out to be. `committed` carries the transaction's result, which the
 * resolver knows (it ran the callback) and this loop does not (COMMIT threw).
 */
export type CommitResolution<T> =
  | { readonly outcome: 'committed'; readonly value: T }
  | { readonly outcome: 'not-committed' }
  | { readonly outcome: 'unknown' };

export interface CommitResolutionContext {
  /** The attempt whose COMMIT was lost (1-based). */
  readonly attempt: number;
  readonly signal: AbortSignal | undefined;
}

/** Why the transaction runs again. */
export type TransactionRetryReason = 'transaction-lost' | 'deadlock' | 'not-committed';

export interface TransactionRetryInfo {
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  readonly reason: TransactionRetryReason;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface TransactionRetryOptions<T> {
  /** Runs of the whole transaction, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** Delay between runs (exponential, full jitter). Default: the policy default (25 ms, capped at 1 s). */
  readonly backoff?: Policy['backoff'];
  /**
   * Stops further runs and interrupts the wait between runs. A run in progress is not abandoned: its
   * transaction may be committing, and the caller must learn how it ended.
   */
  readonly signal?: AbortSignal;
  /**
   * Called after GONEAWAY_COMMIT_UNKNOWN to find out what happened (issue 12's commit marker plugs in
   * here). Without it, or when it answers `unknown`, the CommitOutcomeUnknownError is rethrown:
   * a transaction whose COMMIT may have applied is never run again blindly.
   */
  readonly resolveCommitOutcome?: (
    error: unknown,
    context: CommitResolutionContext,
  ) => Promise<CommitResolution<T>>;
  readonly onRetry?: (info: TransactionRetryInfo) => void;
}

const DEADLOCK_ERRNO = 1213;

/**
 * Runs a whole transaction again after it was lost (GONEAWAY_TRANSACTION_LOST: the server rolled it
 * back) or hit a deadlock (the server rolled it back too), up to `maxAttempts` runs with backoff.
 * After a lost COMMIT it runs again only if `resolveCommitOutcome` says it did not commit. Every
 * other error passes through untouched. Driver-agnostic: the knex/mysql2 wrappers supply `runOnce`,
 * which opens the transaction, runs the callback and commits, mapping connection loss to the typed
 * errors.
 */
export async function runTransactionWithRetry<T>(
  runOnce: (attempt: number) => Promise<T>,
  options: TransactionRetryOptions<T> = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new GoneAwayConfigError({
      issues: [
        { path: 'maxAttempts', expected: 'a positive integer', received: describeReceived(maxAttempts) },
      ],
    });
  }
  const { signal } = options;
  const schedule = new BackoffSchedule(options.backoff ?? DEFAULT_POLICY.backoff);

  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    let error: unknown;
    try {
      return await runOnce(attempt);
    } catch (caught) {
      error = caught;
    }

    // A wrapper (Drizzle's DrizzleQueryError) may carry goneaway's error as its cause.
    const ours = findGoneAwayError(error);
    let reason: TransactionRetryReason;
    if (isCommitOutcomeUnknown(ours)) {
      if (options.resolveCommitOutcome === undefined) throw error;
      const resolution = await options.resolveCommitOutcome(ours, { attempt, signal });
      if (resolution.outcome === 'committed') return resolution.value;
      if (resolution.outcome !== 'not-committed') throw error;
      if (attempt >= maxAttempts) {
        // Known rolled back, out of attempts: that is exactly what TRANSACTION_LOST tells the caller.
        throw new TransactionLostError({ cause: ours });
      }
      reason = 'not-committed';
    } else if (isTransactionLost(ours)) {
      reason = 'transaction-lost';
    } else if (isDeadlock(error)) {
      reason = 'deadlock';
    } else {
      throw error;
    }
    if (attempt >= maxAttempts) throw error;

    const delayMs = schedule.next();
    options.onRetry?.({ attempt, reason, delayMs, error });
    await sleep(delayMs, [signal]);
  }
}

/**
 * A deadlock (or another "roll back and run the whole transaction again" error, e.g. 3101), found
 * by classify, or errno 1213 anywhere in the cause chain of a wrapper classify does not know.
 */
export function isDeadlock(error: unknown): boolean {
  const classification = classify(error);
  if (classification.kind === 'deadlock' || classification.retry === 'whole-transaction') return true;
  for (const node of causeChain(error)) if (readProperty(node, 'errno') === DEADLOCK_ERRNO) return true;
  return false;
}
