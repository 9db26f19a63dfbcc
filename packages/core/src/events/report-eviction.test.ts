import { describe, expect, it } from 'vitest';
import { classify } from '../classification/classify.js';
import { PooledConnectionState } from '../connections/pooled-connection-state.js';
import type { ServerLimits } from '../limits/server-limits.js';
import { createEventHub } from './event-hub.js';
import type { GoneAwayEvent } from './event-types.js';
import { reportEviction } from './report-eviction.js';

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

describe('reportEviction', () => {
  it('emits one evicted event per connection, the first reason winning', () => {
    const hub = createEventHub('db');
    const seen: GoneAwayEvent[] = [];
    hub.subscribe((event) => seen.push(event));
    const state = new PooledConnectionState(7, limits, {
      idleLimitMs: 1_000,
      maxLifetimeMs: 60_000,
      idleSource: 'derived',
      lifetimeSource: 'derived',
    });
    const lost = classify({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    reportEviction(hub, state, 'error', lost);
    reportEviction(hub, state, 'idle-limit');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      type: 'evicted',
      reason: 'error',
      connectionId: 7,
      classification: lost,
    });
    expect(hub.stats().evictions.error).toBe(1);
  });
});
