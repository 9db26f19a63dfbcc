import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { createEventHub } from './event-hub.js';
import { EVICTION_REASONS, GONEAWAY_EVENT_TYPES, type GoneAwayEvent } from './event-types.js';
import { GONEAWAY_CHANNEL, subscribe } from './goneaway-channel.js';

const lost = classify({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
const refused = classify({ code: 'ECONNREFUSED', syscall: 'connect' });

describe('createEventHub', () => {
  it('stamps source and time and delivers to its listeners', () => {
    const hub = createEventHub('orders');
    const seen: GoneAwayEvent[] = [];
    hub.subscribe((event) => seen.push(event));
    const before = Date.now();
    const event = hub.emit({ type: 'reconnected', attempts: 3, outageMs: 1200 });
    expect(seen).toEqual([event]);
    expect(event).toMatchObject({ type: 'reconnected', attempts: 3, outageMs: 1200, source: 'orders' });
    expect(event.time).toBeGreaterThanOrEqual(before);
    expect(Object.isFrozen(event)).toBe(true);
    // The listener-error reporter is hidden: events serialise to their fields only.
    expect(Object.keys(event).sort()).toEqual(['attempts', 'outageMs', 'source', 'time', 'type']);
  });

  it('counts per event type, eviction reason and classification kind, starting from zero', () => {
    const hub = createEventHub('db');
    const empty = hub.stats();
    expect(Object.keys(empty.events).sort()).toEqual([...GONEAWAY_EVENT_TYPES].sort());
    expect(Object.keys(empty.evictions).sort()).toEqual([...EVICTION_REASONS].sort());
    expect(Object.keys(empty.kinds).sort()).toEqual([...ERROR_KINDS].sort());
    expect(Object.values(empty.events).every((n) => n === 0)).toBe(true);

    const evicted = { connectionId: 7, ageMs: 10, idleMs: 5 } as const;
    hub.emit({ type: 'evicted', reason: 'error', classification: lost, ...evicted });
    hub.emit({ type: 'evicted', reason: 'idle-limit', classification: undefined, ...evicted });
    hub.emit({
      type: 'retry',
      attempt: 1,
      delayMs: 20,
      elapsedMs: 30,
      classification: lost,
      statement: 'select ?',
    });
    hub.emit({
      type: 'retry',
      attempt: 2,
      delayMs: 40,
      elapsedMs: 80,
      classification: refused,
      statement: undefined,
    });
    hub.emit({ type: 'circuit-open', attempts: 5, elapsedMs: 5000, classification: refused });

    const stats = hub.stats();
    expect(stats.source).toBe('db');
    expect(stats.events).toMatchObject({ evicted: 2, retry: 2, 'circuit-open': 1, reconnected: 0 });
    expect(stats.evictions).toMatchObject({ error: 1, 'idle-limit': 1, lifetime: 0 });
    expect(stats.kinds).toMatchObject({ 'connection-lost': 2, 'connect-failed': 2, deadlock: 0 });
    expect(stats.retries).toBe(2);
    expect(stats.listenerErrors).toBe(0);
    // A snapshot: later events do not change it, and it cannot be changed.
    hub.emit({ type: 'circuit-closed', openMs: 100 });
    expect(stats.events['circuit-closed']).toBe(0);
    expect(Object.isFrozen(stats.events)).toBe(true);
    expect(JSON.parse(JSON.stringify(hub.stats())).events['circuit-closed']).toBe(1);
  });

  it('skips and counts a throwing listener; the others still run', () => {
    const hub = createEventHub('x');
    const seen: string[] = [];
    hub.subscribe(() => {
      throw new Error('listener bug');
    });
    hub.subscribe((event) => seen.push(event.type));
    expect(() => hub.emit({ type: 'circuit-closed', openMs: 1 })).not.toThrow();
    expect(seen).toEqual(['circuit-closed']);
    expect(hub.stats().listenerErrors).toBe(1);
  });

  it('unsubscribes, once, even from inside a listener', () => {
    const hub = createEventHub('x');
    const seen: number[] = [];
    const off = hub.subscribe(() => {
      seen.push(1);
      off();
    });
    hub.subscribe(() => seen.push(2));
    hub.emit({ type: 'circuit-closed', openMs: 1 });
    hub.emit({ type: 'circuit-closed', openMs: 1 });
    off();
    expect(seen).toEqual([1, 2, 2]);
  });

  it('keeps hubs apart', () => {
    const a = createEventHub('a');
    const b = createEventHub('b');
    const seen: string[] = [];
    a.subscribe((event) => seen.push(event.source));
    b.emit({ type: 'circuit-closed', openMs: 1 });
    expect(seen).toEqual([]);
    expect(a.stats().events['circuit-closed']).toBe(0);
  });
});

describe('subscribe (the goneaway:event channel)', () => {
  it('receives the events of every hub', () => {
    const seen: GoneAwayEvent[] = [];
    const off = subscribe((event) => seen.push(event));
    try {
      createEventHub('one').emit({ type: 'circuit-closed', openMs: 1 });
      createEventHub('two').emit({ type: 'reconnected', attempts: 1, outageMs: 2 });
    } finally {
      off();
    }
    expect(seen.map((event) => `${event.source}:${event.type}`)).toEqual([
      'one:circuit-closed',
      'two:reconnected',
    ]);
    createEventHub('three').emit({ type: 'circuit-closed', openMs: 1 });
    expect(seen).toHaveLength(2);
  });

  it('is a plain diagnostics_channel that other tools can read', () => {
    const seen: unknown[] = [];
    const onMessage = (message: unknown) => seen.push(message);
    diagnosticsChannel.subscribe(GONEAWAY_CHANNEL, onMessage);
    try {
      createEventHub('raw').emit({ type: 'circuit-closed', openMs: 3 });
    } finally {
      diagnosticsChannel.unsubscribe(GONEAWAY_CHANNEL, onMessage);
    }
    expect(seen).toMatchObject([{ type: 'circuit-closed', openMs: 3, source: 'raw' }]);
  });

  it('counts a throwing global listener in the emitting hub, never rethrows', () => {
    const off = subscribe(() => {
      throw new Error('global listener bug');
    });
    const hub = createEventHub('y');
    try {
      expect(() => hub.emit({ type: 'circuit-closed', openMs: 1 })).not.toThrow();
    } finally {
      off();
    }
    expect(hub.stats().listenerErrors).toBe(1);
    off();
  });
});
