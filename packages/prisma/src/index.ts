// @goneaway/prisma: goneaway's policy for Prisma 7's MariaDB driver adapter. Named exports only.

// What users import from every goneaway package (errors, guards, classify, events, options types):
// one list in core, re-exported whole. A new adapter's index.ts starts with this same line.
export * from '@goneaway/core/public';
export { commitMarkerStats, flushCommitMarkers } from './prisma-commit-markers.js';
export { type PrismaGoneAwayStats, stats, subscribeTo } from './stats.js';
export {
  goneAwayPrisma,
  type PrismaMariaDbOptions,
  type PrismaMariaDbSettings,
  withGoneaway,
} from './with-goneaway.js';
export {
  type InteractiveTransactionClient,
  type WithTransactionRetryOptions,
  withTransactionRetry,
} from './with-transaction-retry.js';
