import type { Policy } from '@goneaway/core';
import type { PoolAssumptions } from '../doctor-report.js';
import type { KeepAliveFacts, ServerFacts } from '../facts/server-facts.js';

/** Everything a check decides from: pure data, so every check is a pure function. */
export interface CheckInput {
  readonly facts: ServerFacts;
  readonly keepAlive: KeepAliveFacts;
  readonly pool: PoolAssumptions;
  /** goneaway's policy (the defaults): what `goneAway()` would derive and set. */
  readonly policy: Policy;
}
