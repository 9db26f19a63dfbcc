import { createEventHub, type EventHub } from '../events/event-hub.js';
import { reportEviction } from '../events/report-eviction.js';
import type { Policy } from '../policy/options.js';
import { ReconnectGate } from '../retry/reconnect-gate.js';
import { createRetryEngine, type RetryEngine } from '../retry/retry-engine.js';
import { ConnectionValidator } from './connection-validator.js';

/** What every adapter keeps per pool: its events, the retry engine, the reconnect gate and the check before hand-out. */
export interface PoolRuntime {
  readonly hub: EventHub;
  readonly retry: RetryEngine;
  readonly gate: ReconnectGate;
  /** Reports each connection it evicts on `hub`, once (reportEviction). */
  readonly validator: ConnectionValidator;
}

/** One pool's runtime, wired the same way in every adapter (knex, mysql2, Prisma). */
export function createPoolRuntime(policy: Policy): PoolRuntime {
  const hub = createEventHub(policy.name);
  return {
    hub,
    retry: createRetryEngine(policy, hub),
    gate: new ReconnectGate(policy),
    validator: new ConnectionValidator(policy, (state, reason, classification) =>
      reportEviction(hub, state, reason, classification),
    ),
  };
}
