import { describe, expect, it } from 'vitest';
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

  it('gives each pool its own hub, engine, gate and validator', () => {
    const policy = parsePolicy({});
    const [a, b] = [createPoolRuntime(policy), createPoolRuntime(policy)];
    expect(a.hub).not.toBe(b.hub);
    expect(a.retry).not.toBe(b.retry);
    expect(a.gate).not.toBe(b.gate);
    expect(a.validator).not.toBe(b.validator);
  });
});
