// @goneaway/knex: goneaway's policy for knex (mysql2 dialect). Named exports only.

// What users import from every goneaway package (errors, guards, classify, events, options types):
// one list in core, re-exported whole. A new adapter's index.ts starts with this same line.
export * from '@goneaway/core/public';
// `goneAway` is the knex package's short name (knex(goneAway(config))); `goneAwayKnex` is the same
// function under the name every package's entry point follows (`goneAway<Library>`).
export { goneAway, goneAway as goneAwayKnex } from './go-away.js';
export { type KnexGoneAwayStats, stats, subscribeTo } from './stats.js';
export {
  commitMarkerStats,
  flushCommitMarkers,
  type WithTransactionRetryOptions,
  withTransactionRetry,
} from './with-transaction-retry.js';
