import {
  createEventHub,
  createRetryEngine,
  type EventHub,
  type Policy,
  type RetryEngine,
} from '@goneaway/core';

/**
 * What goneaway keeps per pool a TypeORM DataSource made: the retry engine (and its event hub) for
 * statements run again on a fresh connection after the query runner's connection died. Everything
 * else (validation, single-flight reconnects, packet guard, typed errors) is the mysql2 adapter's.
 */
export class TypeormPoolState {
  readonly hub: EventHub;
  readonly retry: RetryEngine;

  constructor(readonly policy: Policy) {
    this.hub = createEventHub(policy.name);
    this.retry = createRetryEngine(policy, this.hub);
  }

  destroy(): void {
    this.retry.destroy();
  }
}

const states = new WeakMap<object, TypeormPoolState>();

export function registerPoolState(pool: object, state: TypeormPoolState): void {
  states.set(pool, state);
}

export function poolStateOf(pool: unknown): TypeormPoolState | undefined {
  return typeof pool === 'object' && pool !== null ? states.get(pool) : undefined;
}
