import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClusterEvent, ClusterMonitor } from '../../packages/core/src/cluster/cluster-monitor.js';
import { ClusterMonitorRegistry } from '../../packages/core/src/cluster/cluster-monitor-registry.js';
import type { ClusterHost, ClusterPolicy } from '../../packages/core/src/cluster/cluster-options.js';
import { ClusterUnavailableError } from '../../packages/core/src/cluster/cluster-unavailable-error.js';
import { isDatabaseUnavailable } from '../../packages/core/src/errors/database-unavailable-error.js';
import { parsePolicy } from '../../packages/core/src/policy/parse-policy.js';
import {
  type ConnectionInfo,
  codeOf,
  describeWithOwnServer,
  type FaultProxy,
  type MariaDBServer,
  startFaultProxy,
  startMariaDB,
  waitFor,
} from '../harness/src/index.js';
import { mysql2ProbeConnector } from './mysql2-probe-connect.js';

const PROBE_TIMEOUT_MS = 1000;

/** 'settled' if the promise has settled by the next turn of the event loop, else 'pending' (a hung query stays pending). */
async function settledYet(promise: Promise<unknown>): Promise<'settled' | 'pending'> {
  const settled = promise.then(
    () => 'settled' as const,
    () => 'settled' as const,
  );
  const nextTurn = new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')));
  return Promise.race([settled, nextTurn]);
}

describeWithOwnServer('ClusterMonitor on three real private servers (replication flavor)', () => {
  let s1: MariaDBServer;
  let s2: MariaDBServer;
  let s3: MariaDBServer;
  // s2 is reached through the fault proxy, so it can be blackholed.
  let proxy2: FaultProxy;
  let key1: string;
  let key2: string;
  let key3: string;
  let cluster: ClusterPolicy;
  const registry = new ClusterMonitorRegistry();
  let monitor: ClusterMonitor;
  let releases: Array<() => void> = [];
  const events: ClusterEvent[] = [];

  beforeAll(async () => {
    // s3 is a replica from its options: SET GLOBAL read_only does not survive the restart below.
    [s1, s2, s3] = await Promise.all([
      startMariaDB(),
      startMariaDB(),
      startMariaDB({ serverOptions: { read_only: true } }),
    ]);
    proxy2 = await startFaultProxy(s2.port);
    key1 = `127.0.0.1:${s1.port}`;
    key2 = `127.0.0.1:${proxy2.port}`;
    key3 = `127.0.0.1:${s3.port}`;
    await s2.query('SET GLOBAL read_only = 1');
    cluster = parsePolicy({
      cluster: {
        hosts: [key1, { host: '127.0.0.1', port: proxy2.port }, key3],
        flavor: 'replication',
        probeIntervalMs: 250,
        probeTimeoutMs: PROBE_TIMEOUT_MS,
        downBackoffMs: { minMs: 200, maxMs: 1000 },
      },
    }).cluster as ClusterPolicy;
    const byPort = new Map<number, ConnectionInfo>([
      [s1.port, s1.connection],
      [proxy2.port, s2.connection],
      [s3.port, s3.connection],
    ]);
    const credentialsFor = (host: ClusterHost): ConnectionInfo => {
      const found = byPort.get(host.port);
      if (found === undefined) throw new Error(`no server on port ${host.port}`);
      return found;
    };
    const connect = mysql2ProbeConnector(credentialsFor, PROBE_TIMEOUT_MS);
    // Two pools of one process naming the same cluster (hosts in another order) share one monitor.
    const first = registry.acquire({ cluster, connect, user: 'goneaway' });
    const second = registry.acquire({
      cluster: { ...cluster, hosts: [...cluster.hosts].reverse() },
      connect,
      user: 'goneaway',
    });
    expect(second.monitor).toBe(first.monitor);
    monitor = first.monitor;
    monitor.subscribe((event) => events.push(event));
    releases = [first.release, second.release];
  });
  afterAll(async () => {
    for (const release of releases) release();
    await proxy2?.close();
    await Promise.all([s1?.destroy(), s2?.destroy(), s3?.destroy()]);
  });

  it('elects the one writable host, probing each host on one connection however many pools share it', async () => {
    expect(await monitor.writer({ timeoutMs: 20_000 })).toEqual({ host: '127.0.0.1', port: s1.port });
    await waitFor(
      () => monitor.hosts().every((host) => host.state === 'read-only' || host.writer),
      'every host probed',
    );
    expect(monitor.hosts().map((host) => [host.key, host.state])).toEqual([
      [key1, 'up'],
      [key2, 'read-only'],
      [key3, 'read-only'],
    ]);
    // Two leases, one monitor: the application user has exactly one connection on each server (the probe's).
    expect(await s1.processIds()).toHaveLength(1);
    expect(await s3.processIds()).toHaveLength(1);
  });

  it('sees a switchover (read_only flipped on both servers) and emits writer-changed', async () => {
    await s1.query('SET GLOBAL read_only = 1');
    await s2.query('SET GLOBAL read_only = 0');
    await waitFor(() => monitor.currentWriter()?.port === proxy2.port, 'the writer to move to s2');
    const moves = events.filter((event) => event.type === 'writer-changed');
    // s1 → s2, directly or through a moment without a writer (s1 read-only seen first) or of split brain.
    expect(moves.at(-1)?.to).toBe(key2);
    expect(moves.some((event) => event.from === key1)).toBe(true);
    expect(monitor.stateOf(key1)).toBe('read-only');
    // The control, on the bare driver: the old writer now refuses the application's writes (1290).
    const bare = await createConnection(s1.connection);
    try {
      const refused = await bare.query('CREATE TABLE t_after_switch (id INT)').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(codeOf(refused)).toBe('ER_OPTION_PREVENTS_STATEMENT');
    } finally {
      await bare.end();
    }
  });

  it('a stopped host goes down while the writer is still handed out at once, and comes back after a restart', async () => {
    await s3.stop();
    await waitFor(() => monitor.stateOf(key3) === 'down', 's3 down');
    expect(monitor.currentWriter()).toEqual({ host: '127.0.0.1', port: proxy2.port });
    expect(monitor.describeHosts()).toContain(`${key3} down (probe failed (`);
    const refused = await createConnection(s3.connection).then(
      async (connection) => {
        await connection.end();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(codeOf(refused)).toBe('ECONNREFUSED');
    await s3.start();
    await waitFor(() => monitor.stateOf(key3) === 'read-only', 's3 back as read-only', 30_000);
    const s3Changes = events.filter((event) => event.type === 'host-state-changed' && event.host === key3);
    expect(s3Changes.map((event) => (event.type === 'host-state-changed' ? event.to : ''))).toEqual(
      expect.arrayContaining(['down', 'read-only']),
    );
  });

  it('finds a blackholed writer by the probe timeout while a query on it hangs; the others keep serving; it comes back', async () => {
    // The control: a bare connection through the proxy, opened before the blackhole.
    const bare: Connection = await createConnection(proxy2.route(s2.connection));
    bare.on('error', () => undefined);
    const downFrom = events.length;
    try {
      // Every byte from clients is swallowed: old sockets hang, new connects hang in the handshake.
      proxy2.onClientData(() => 'drop');
      proxy2.blackholeExisting();
      const hung = bare.query('SELECT 1');
      hung.catch(() => undefined);
      await waitFor(() => monitor.stateOf(key2) === 'down', 's2 down');
      expect(await settledYet(hung)).toBe('pending');
      const s2Reasons = events
        .slice(downFrom)
        .flatMap((event) =>
          event.type === 'host-state-changed' && event.host === key2 ? [event.reason] : [],
        );
      expect(s2Reasons.at(-1)).toBe(`probe timed out after ${PROBE_TIMEOUT_MS} ms`);
      // The two healthy hosts never went down meanwhile, and still answer their probes.
      const othersDown = events
        .slice(downFrom)
        .filter((event) => event.type === 'host-state-changed' && event.host !== key2 && event.to === 'down');
      expect(othersDown).toEqual([]);
      expect([monitor.stateOf(key1), monitor.stateOf(key3)]).toEqual(['read-only', 'read-only']);
      // No writer: GONEAWAY_UNAVAILABLE names every host and its state.
      const error = await monitor.writer({ timeoutMs: 200 }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ClusterUnavailableError);
      expect(isDatabaseUnavailable(error)).toBe(true);
      for (const key of [key1, key2, key3]) expect((error as Error).message).toContain(key);
      expect((error as Error).message).toContain(
        `${key2} down (probe timed out after ${PROBE_TIMEOUT_MS} ms)`,
      );
      expect((error as Error).message).not.toContain(s2.connection.password);

      // Failover: s1 is promoted, the monitor moves writes there.
      await s1.query('SET GLOBAL read_only = 0');
      expect(await monitor.writer({ timeoutMs: 20_000 })).toEqual({ host: '127.0.0.1', port: s1.port });

      // The old writer is demoted behind the monitor's back and heals: it is probed again and comes back.
      await s2.query('SET GLOBAL read_only = 1');
      proxy2.onClientData(undefined);
      await waitFor(() => monitor.stateOf(key2) === 'read-only', 's2 back as read-only', 30_000);
      expect(monitor.currentWriter()).toEqual({ host: '127.0.0.1', port: s1.port });
    } finally {
      bare.destroy();
    }
  });

  it('refuses two writable hosts (split brain) until one is read-only again', async () => {
    const from = events.length;
    await s3.query('SET GLOBAL read_only = 0');
    await waitFor(
      () => events.slice(from).some((event) => event.type === 'split-brain'),
      'a split-brain event',
    );
    expect(events.slice(from).find((event) => event.type === 'split-brain')).toEqual({
      type: 'split-brain',
      hosts: [key1, key3],
    });
    expect(monitor.currentWriter()).toBeUndefined();
    // The control, on the bare driver: both servers take the application's writes, which is the danger.
    for (const server of [s1, s3]) {
      const bare = await createConnection(server.connection);
      try {
        await bare.query('CREATE TABLE IF NOT EXISTS t_split (id INT)');
      } finally {
        await bare.end();
      }
    }
    await s3.query('SET GLOBAL read_only = 1');
    expect(await monitor.writer({ timeoutMs: 20_000 })).toEqual({ host: '127.0.0.1', port: s1.port });
  });
});
