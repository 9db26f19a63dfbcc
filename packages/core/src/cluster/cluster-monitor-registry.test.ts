import { describe, expect, it } from 'vitest';
import { FakeTimerClock } from '../connections/fake-timer-clock.fixture.js';
import { createEventHub } from '../events/event-hub.js';
import type { GoneAwayEvent } from '../events/event-types.js';
import { parsePolicy } from '../policy/parse-policy.js';
import type { MonitorConnection } from './cluster-monitor.js';
import { ClusterMonitorRegistry } from './cluster-monitor-registry.js';
import type { ClusterPolicy } from './cluster-options.js';

const clusterOf = (hosts: string[]) =>
  parsePolicy({ cluster: { hosts, flavor: 'replication' } }).cluster as ClusterPolicy;

function registryWithCounts() {
  const clock = new FakeTimerClock();
  const connected: string[] = [];
  const destroyed: string[] = [];
  const connect = async (host: { host: string; port: number }): Promise<MonitorConnection> => {
    connected.push(host.host);
    return {
      query: async () => [{ read_only: 0, innodb_read_only: 0, super_read_only: 0 }],
      destroy: () => destroyed.push(host.host),
    };
  };
  return { registry: new ClusterMonitorRegistry(), clock, connect, connected, destroyed };
}

describe('ClusterMonitorRegistry', () => {
  it('shares one monitor between pools naming the same hosts in any order, per flavor and user', async () => {
    const { registry, clock, connect, connected } = registryWithCounts();
    const a = registry.acquire({ cluster: clusterOf(['h1:3306', 'H2:3307']), connect, clock, user: 'app' });
    const b = registry.acquire({ cluster: clusterOf(['h2:3307', 'h1']), connect, clock, user: 'app' });
    const otherUser = registry.acquire({
      cluster: clusterOf(['h1:3306', 'h2:3307']),
      connect,
      clock,
      user: 'admin',
    });
    expect(b.monitor).toBe(a.monitor);
    expect(otherUser.monitor).not.toBe(a.monitor);
    expect(registry.size).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    // Each host probed once per monitor, not once per pool.
    expect(connected.sort()).toEqual(['H2', 'h1', 'h1', 'h2']);
    otherUser.release();
    a.release();
    expect(a.monitor.closed).toBe(false);
    b.release();
    b.release();
    expect(a.monitor.closed).toBe(true);
    expect(registry.size).toBe(0);
    // A new lease after the last release gets a fresh monitor.
    const c = registry.acquire({ cluster: clusterOf(['h1']), connect, clock, user: 'app' });
    expect(c.monitor.closed).toBe(false);
    c.release();
  });

  it("forwards the monitor's events to each lessee's hub, stamped with its name, until released", async () => {
    const { registry, clock, connect } = registryWithCounts();
    const orders = createEventHub('orders');
    const reports = createEventHub('reports');
    const seen: GoneAwayEvent[] = [];
    orders.subscribe((event) => seen.push(event));
    reports.subscribe((event) => seen.push(event));
    const a = registry.acquire({ cluster: clusterOf(['h1']), connect, clock, user: 'app', events: orders });
    const b = registry.acquire({ cluster: clusterOf(['h1']), connect, clock, user: 'app', events: reports });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((event) => [event.source, event.type])).toEqual([
      ['orders', 'host-state-changed'],
      ['reports', 'host-state-changed'],
      ['orders', 'writer-changed'],
      ['reports', 'writer-changed'],
    ]);
    expect(orders.stats().events['writer-changed']).toBe(1);
    b.release();
    void a.monitor.suspect('h1:3306');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.slice(4).every((event) => event.source === 'orders')).toBe(true);
    expect(seen.length).toBeGreaterThan(4);
    a.release();
  });
  it('a lease with readers enabled turns on lag reading of a monitor a writer pool made without it', async () => {
    const clock = new FakeTimerClock();
    const statements: string[] = [];
    const connect = async (): Promise<MonitorConnection> => ({
      query: async (sql: string) => {
        statements.push(sql);
        if (sql.startsWith('SHOW')) return [{ Seconds_Behind_Master: 1 }];
        return [{ read_only: 1, innodb_read_only: 0, super_read_only: 0 }];
      },
      destroy: () => undefined,
    });
    const registry = new ClusterMonitorRegistry();
    const settle = async () => {
      for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const writer = registry.acquire({ cluster: clusterOf(['r1:3306']), connect, clock, user: 'app' });
    await settle();
    expect(statements.some((sql) => sql.startsWith('SHOW'))).toBe(false);
    const readerCluster = parsePolicy({
      cluster: { hosts: ['r1:3306'], flavor: 'replication', readers: { enabled: true, maxLagMs: 500 } },
    }).cluster as ClusterPolicy;
    const reader = registry.acquire({ cluster: readerCluster, connect, clock, user: 'app' });
    expect(reader.monitor).toBe(writer.monitor);
    clock.advance(1_000);
    await settle();
    expect(statements.some((sql) => sql.startsWith('SHOW'))).toBe(true);
    // 1 s behind, more than the reader's 500 ms: lagging.
    expect(writer.monitor.stateOf('r1:3306')).toBe('lagging');
    reader.release();
    writer.release();
  });
});
