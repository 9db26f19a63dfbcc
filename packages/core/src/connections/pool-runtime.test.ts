import { describe, expect, it } from 'vitest';
import { classify } from '../classification/classify.js';
import type { GoneAwayEvent } from '../events/event-types.js';
import type { ServerLimits } from '../limits/server-limits.js';
import { parsePolicy } from '../policy/parse-policy.js';
import type { ValidatableConnection } from './connection-validator.js';
import { createPoolRuntime } from './pool-runtime.js';
import { PooledConnectionState } from './pooled-connection-state.js';

const limits: ServerLimits = {
  waitTimeoutSeconds: 2,
  interactiveTimeoutSeconds: 2,
  maxAllowedPacket: 1024,
  readOnly: false,
  superReadOnly: false,
  version: '10.11.6-MariaDB',
  flavor: 'mariadb',
  connectionId: 7,
};

describe('createPoolRuntime', () => {
  it("wires the validator's evictions to the runtime's hub, once per connection", () => {
    const runtime = createPoolRuntime(parsePolicy({ name: 'db' }));
    const seen: GoneAwayEvent[] = [];
    runtime.hub.subscribe((event) => seen.push(event));
    const state = new PooledConnectionState(7, limits, {
      idleLimitMs: 1_000,
      maxLifetimeMs: 60_000,
      idleSource: 'derived',
      lifetimeSource: 'derived',
    });
    const dead = { _fatalError: new Error('gone'), stream: { destroy: () => undefined } } as never;
    expect(runtime.validator.validate(dead as ValidatableConnection, state)).toBe(false);
    expect(runtime.validator.validate(dead as ValidatableConnection, state)).toBe(false);
    expect(seen).toMatchObject([{ type: 'evicted', reason: 'error', connectionId: 7 }]);
    expect(runtime.hub.stats().evictions.error).toBe(1);
  });

  it('reports a connection a failed statement made unusable at once, once, before any hand-out', () => {
    const runtime = createPoolRuntime(parsePolicy({}));
    const state = new PooledConnectionState(8, limits, {
      idleLimitMs: 1_000,
      maxLifetimeMs: 60_000,
      idleSource: 'derived',
      lifetimeSource: 'derived',
    });
    const connection = { stream: { destroy: () => undefined } } as never as ValidatableConnection;
    const lost = classify({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true, message: 'Connection lost' });
    runtime.validator.recordFailure(connection, state, lost);
    expect(runtime.hub.stats().evictions.error).toBe(1);
    // The adapter's error listener and the next validation find it reported already.
    runtime.validator.recordFailure(connection, state, lost);
    expect(runtime.validator.validate(connection, state)).toBe(false);
    expect(runtime.hub.stats().evictions.error).toBe(1);
    // A refusal that leaves the connection usable evicts nothing.
    const other = new PooledConnectionState(9, limits, state.limits);
    runtime.validator.recordFailure(connection, other, classify({ code: 'ER_DUP_ENTRY', errno: 1062 }));
    expect(other.unusable).toBeUndefined();
    expect(runtime.hub.stats().events.evicted).toBe(1);
  });

  it('reports a read-only refusal as a read-only eviction when evictOnReadOnly is on, and none when off', () => {
    const readOnly = classify({ code: 'ER_OPTION_PREVENTS_STATEMENT', errno: 1290, sqlState: 'HY000' });
    for (const evictOnReadOnly of [true, false]) {
      const runtime = createPoolRuntime(parsePolicy({ evictOnReadOnly }));
      const state = new PooledConnectionState(10, limits, {
        idleLimitMs: 1_000,
        maxLifetimeMs: 60_000,
        idleSource: 'derived',
        lifetimeSource: 'derived',
      });
      const connection = { stream: { destroy: () => undefined } } as never as ValidatableConnection;
      runtime.validator.recordFailure(connection, state, readOnly);
      expect(runtime.hub.stats().evictions['read-only']).toBe(evictOnReadOnly ? 1 : 0);
    }
  });

  it('gives each pool its own hub, engine, gate and validator', () => {
    const policy = parsePolicy({});
    const [a, b] = [createPoolRuntime(policy), createPoolRuntime(policy)];
    expect(a.hub).not.toBe(b.hub);
    expect(a.retry).not.toBe(b.retry);
    expect(a.gate).not.toBe(b.gate);
    expect(a.validator).not.toBe(b.validator);
  });
});
