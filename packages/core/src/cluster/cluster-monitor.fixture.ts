import { FakeTimerClock } from '../connections/fake-timer-clock.fixture.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { type ClusterEvent, ClusterMonitor, type MonitorConnection } from './cluster-monitor.js';
import type { ClusterHost, ClusterOptions, ClusterPolicy } from './cluster-options.js';
import type { ProbeResult } from './probe-result.js';

/** What a fake host does when probed: answer, refuse the connect, or hang (a blackholed host). */
export type FakeBehaviour = ProbeResult | 'refuse' | 'hang-connect' | 'hang-query';

export const up = (localIndex?: number): ProbeResult => ({
  state: 'up',
  reason: 'fake up',
  ...(localIndex === undefined
    ? {}
    : {
        galera: {
          localIndex,
          localState: 4,
          clusterStatus: 'Primary',
          clusterSize: 3,
          ready: true,
          desync: false,
          rejectQueries: 'NONE',
        },
      }),
});
export const readOnly: ProbeResult = { state: 'read-only', reason: 'fake read-only' };
export const desynced: ProbeResult = { state: 'desynced', reason: 'fake desynced' };

/** A cluster of fake hosts behind a fake clock: counts connects, probes and destroyed connections. */
export function fakeCluster(options: Partial<ClusterOptions> & Pick<ClusterOptions, 'hosts' | 'flavor'>) {
  const clock = new FakeTimerClock();
  const cluster = parsePolicy({ cluster: options }).cluster as ClusterPolicy;
  const behaviour = new Map<string, FakeBehaviour>();
  const connects = new Map<string, number>();
  const probes = new Map<string, number>();
  const destroyed: string[] = [];
  const lateResolvers: Array<() => void> = [];
  const events: ClusterEvent[] = [];

  const connect = (host: ClusterHost, signal: AbortSignal): Promise<MonitorConnection> => {
    const key = `${host.host}:${host.port}`;
    connects.set(key, (connects.get(key) ?? 0) + 1);
    const what = behaviour.get(key) ?? 'refuse';
    const connection: MonitorConnection = {
      query: async () => [{ key }],
      destroy: () => destroyed.push(key),
    };
    if (what === 'refuse') {
      return Promise.reject(
        Object.assign(new Error(`connect ECONNREFUSED ${key} password=hunter2`), { code: 'ECONNREFUSED' }),
      );
    }
    if (what === 'hang-connect') {
      // Resolves only when the test lets it (a connect that completes after its probe timed out).
      return new Promise((resolve) => {
        lateResolvers.push(() => resolve(connection));
        signal.addEventListener('abort', () => undefined);
      });
    }
    return Promise.resolve(connection);
  };

  const probe = (connection: { query(sql: string): Promise<ReadonlyArray<Record<string, unknown>>> }) =>
    connection.query('probe').then((rows): Promise<ProbeResult> => {
      const key = String(rows[0]?.key);
      probes.set(key, (probes.get(key) ?? 0) + 1);
      const what = behaviour.get(key) ?? 'refuse';
      if (what === 'hang-query') return new Promise<ProbeResult>(() => undefined);
      if (typeof what === 'string') {
        return Promise.reject(
          Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' }),
        );
      }
      return Promise.resolve(what);
    });

  const monitor = new ClusterMonitor({ cluster, connect, probe, clock, random: () => 1 });
  monitor.subscribe((event) => events.push(event));
  return {
    clock,
    cluster,
    monitor,
    events,
    connects,
    probes,
    destroyed,
    lateResolvers,
    set(key: string, what: FakeBehaviour) {
      behaviour.set(key, what);
    },
    /** Lets every pending promise callback run (the fake clock only runs timers). */
    async settle(): Promise<void> {
      for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    },
    /** Advances the clock in 1 ms steps' worth of timers, settling promises between timers. */
    async advance(ms: number, step = 10): Promise<void> {
      for (let passed = 0; passed < ms; passed += step) {
        clock.advance(Math.min(step, ms - passed));
        for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}
