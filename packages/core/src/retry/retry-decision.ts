import type { Classification } from '../classification/classification.js';
import { hasKindTrait } from '../classification/kind-traits.js';
import type { Policy } from '../policy/options.js';

/** Whether a statement only reads (may run twice) or writes (must not run twice). */
export type StatementSafety = 'read' | 'write';

/**
 * What to do with a failed attempt:
 * - `retry`: run it again (on another connection) inside the outage budget;
 * - `rethrow`: hand the original error back untouched (not a connection problem, or nothing safe to do);
 * - `connection-lost`: wrap it in ConnectionLostError (the statement may have run, or retries were
 *   not allowed for it), so the caller gets a typed answer instead of a socket error.
 */
export type RetryDecision = 'retry' | 'rethrow' | 'connection-lost';

/**
 * The retry rules, as a pure function (DESIGN.md, "Statement safety"):
 * - inside a transaction nothing is retried: the caller turns a lost connection into
 *   TransactionLostError and the whole transaction is what may run again;
 * - `retry: 'safe'` (nothing reached the server): reads always, writes unless `retryWrites: 'never'`;
 * - `retry: 'if-idempotent'` (it may have run): reads when `retryReads`, never writes;
 * - everything else (`never`, `whole-transaction`, auth failures, application errors) is rethrown.
 * A statement of unknown safety is treated as a write.
 */
export function decideRetry(
  classification: Classification,
  statement: { readonly safety: StatementSafety } | undefined,
  inTransaction: boolean,
  policy: Pick<Policy, 'retryReads' | 'retryWrites'>,
): RetryDecision {
  if (inTransaction) return 'rethrow';
  if (classification.kind === 'not-connection-related' || classification.kind === 'auth-failed')
    return 'rethrow';
  const isRead = statement?.safety === 'read';
  switch (classification.retry) {
    case 'safe':
      if (isRead || policy.retryWrites === 'when-not-sent') return 'retry';
      return hasKindTrait(classification.kind, 'lost') ? 'connection-lost' : 'rethrow';
    case 'if-idempotent':
      if (isRead && policy.retryReads) return 'retry';
      return hasKindTrait(classification.kind, 'lost') ? 'connection-lost' : 'rethrow';
    default:
      return 'rethrow';
  }
}
