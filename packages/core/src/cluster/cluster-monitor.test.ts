import { afterEach, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../errors/database-unavailable-error.js';
import { isGoneAwayError } from '../errors/goneaway-error.js';
import { desynced, fakeCluster, readOnly, up } from './cluster-monitor.fixture.js';
import { ClusterUnavailableError } from './cluster-unavailable-error.js';

const H1 = '127.0.0.1:3306';
const H2 = '127.0.0.2:3306';
const H3 = '127.0.0.3:3306';

const opened: Array<{ monitor: { close(): void } }> = [];
function cluster(...args: Parameters<typeof fakeCluster>) {
  const fake = fakeCluster(...args);
  opened.push(fake);
  return fake;
}
afterEach(() => {
  for (const fake of opened.splice(0)) fake.monitor.close();
});

describe('ClusterMonitor, replication flavor', () => {
  it('probes every host at start and takes the one writable host as the writer', async () => {
    const fake = cluster({ hosts: [H1, H2], flavor: 'replication' });
    fake.set(H1, up());
    fake.set(H2, readOnly);
    fake.monitor.start();
    await fake.settle();
    expect(fake.monitor.hosts().map((host) => [host.key, host.state, host.writer])).toEqual([
      [H1, 'up', true],
      [H2, 'read-only', false],
    ]);
    expect(await fake.monitor.writer()).toEqual({ host: '127.0.0.1', port: 3306 });
    expect(fake.events).toEqual([
      { type: 'host-state-changed', host: H1, from: 'suspect', to: 'up', reason: 'fake up' },
      { type: 'writer-changed', from: undefined, to: H1 },
      { type: 'host-state-changed', host: H2, from: 'suspect', to: 'read-only', reason: 'fake read-only' },
    ]);
    // The probe connection is kept between probes: one connect per host for several probes.
    await fake.advance(3000);
    expect(fake.probes.get(H1)).toBeGreaterThanOrEqual(3);
    expect(fake.connects.get(H1)).toBe(1);
  });

  it('sees a switchover on the next probe and emits writer-changed', async () => {
    const fake = cluster({ hosts: [H1, H2], flavor: 'replication', probeIntervalMs: 500 });
    fake.set(H1, up());
    fake.set(H2, readOnly);
    fake.monitor.start();
    await fake.settle();
    fake.set(H1, readOnly);
    fake.set(H2, up());
    await fake.advance(500);
    expect(fake.monitor.currentWriter()).toEqual({ host: '127.0.0.2', port: 3306 });
    // H1 is probed first: for a moment no host is writable (no writer), then H2 is.
    expect(fake.events.filter((event) => event.type === 'writer-changed')).toEqual([
      { type: 'writer-changed', from: undefined, to: H1 },
      { type: 'writer-changed', from: H1, to: undefined },
      { type: 'writer-changed', from: undefined, to: H2 },
    ]);
  });

  it('refuses two writable hosts (split brain): no writer, an event, and writer() times out naming every host', async () => {
    const fake = cluster({ hosts: [H1, H2, H3], flavor: 'replication' });
    fake.set(H1, up());
    fake.set(H2, up());
    fake.set(H3, 'refuse');
    fake.monitor.start();
    await fake.settle();
    expect(fake.monitor.currentWriter()).toBeUndefined();
    expect(fake.events).toContainEqual({ type: 'split-brain', hosts: [H1, H2] });
    const waiting = fake.monitor.writer({ timeoutMs: 2000 });
    const outcome = waiting.then(
      () => undefined,
      (error: unknown) => error,
    );
    await fake.advance(2000);
    const error = await outcome;
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isGoneAwayError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(`${H1} up (fake up)`);
    expect(message).toContain(`${H2} up (fake up)`);
    expect(message).toContain(`${H3} down (probe failed (ECONNREFUSED))`);
    expect(message).not.toContain('hunter2');
    expect((error as ClusterUnavailableError).toJSON().hosts).toBe(fake.monitor.describeHosts());
    // The hint speaks of hosts and their states, not of one server being "up and reachable".
    const { hint } = error as ClusterUnavailableError;
    expect(hint).toContain("each host's state");
    expect(hint).not.toContain('up and reachable');
    expect(message.endsWith(hint)).toBe(true);
    expect((error as ClusterUnavailableError).toJSON().hint).toBe(hint);
  });

  it('finds a blackholed writer by the probe timeout: suspect, then down, while writer() waits', async () => {
    const fake = cluster({
      hosts: [H1, H2],
      flavor: 'replication',
      probeIntervalMs: 1000,
      probeTimeoutMs: 300,
    });
    fake.set(H1, up());
    fake.set(H2, readOnly);
    fake.monitor.start();
    await fake.settle();
    fake.set(H1, 'hang-query');
    await fake.advance(1000);
    // The probe is in flight and hangs; the writer stays usable until its timeout.
    expect(fake.monitor.stateOf(H1)).toBe('up');
    await fake.advance(300);
    expect(fake.monitor.stateOf(H1)).toBe('suspect');
    expect(fake.monitor.hosts()[0]?.reason).toBe('probe timed out after 300 ms');
    expect(fake.destroyed).toContain(H1);
    // A suspect writer stays the writer (no move on one failure) but is not handed out.
    expect(fake.monitor.currentWriter()).toBeUndefined();
    expect(fake.monitor.hosts()[0]?.writer).toBe(true);
    let handedOut: unknown;
    void fake.monitor.writer({ timeoutMs: 10_000 }).then((host) => {
      handedOut = host;
    });
    // The replica is promoted meanwhile: once H1 is down, H2 is the writer.
    fake.set(H2, up());
    await fake.advance(310);
    expect(fake.monitor.stateOf(H1)).toBe('down');
    await fake.advance(1000);
    expect(handedOut).toEqual({ host: '127.0.0.2', port: 3306 });
    // H1 down (no writer: H2's next probe is still to come), then H2 writable on its next probe.
    expect(fake.events.filter((event) => event.type === 'writer-changed').slice(1)).toEqual([
      { type: 'writer-changed', from: H1, to: undefined },
      { type: 'writer-changed', from: undefined, to: H2 },
    ]);
    // H2 kept being probed on its interval the whole time.
    expect(fake.probes.get(H2)).toBeGreaterThanOrEqual(3);
  });

  it('closes a connect that completes after its probe timed out', async () => {
    const fake = cluster({ hosts: [H1], flavor: 'proxy', probeTimeoutMs: 200 });
    fake.set(H1, 'hang-connect');
    fake.monitor.start();
    await fake.advance(200);
    expect(fake.monitor.stateOf(H1)).toBe('suspect');
    fake.lateResolvers[0]?.();
    await fake.settle();
    expect(fake.destroyed).toEqual([H1]);
  });

  it('probes a down host again with a growing backoff, never giving up, and takes it back when it answers', async () => {
    const fake = cluster({
      hosts: [H1],
      flavor: 'proxy',
      probeIntervalMs: 100,
      downBackoffMs: { minMs: 100, maxMs: 800 },
    });
    fake.set(H1, 'refuse');
    fake.monitor.start();
    await fake.settle();
    // The first failure makes it suspect and probes again at once; the second makes it down.
    expect(fake.monitor.stateOf(H1)).toBe('suspect');
    await fake.advance(10);
    expect(fake.monitor.stateOf(H1)).toBe('down');
    expect(fake.connects.get(H1)).toBe(2);
    // random() = 1: each delay is its ceiling: 100, 200, 400, 800, 800, …
    const times: number[] = [];
    let seen = fake.connects.get(H1) ?? 0;
    for (let t = 0; t < 5000; t += 10) {
      await fake.advance(10);
      const count = fake.connects.get(H1) ?? 0;
      if (count !== seen) times.push(fake.clock.now());
      seen = count;
    }
    const gaps = times.slice(1).map((time, index) => time - times[index]!);
    expect(gaps.slice(0, 3)).toEqual([200, 400, 800]);
    expect(gaps.slice(3).every((gap) => gap === 800)).toBe(true);
    expect(times.length).toBeGreaterThanOrEqual(6);
    fake.set(H1, up());
    await fake.advance(800);
    expect(fake.monitor.stateOf(H1)).toBe('up');
    expect(fake.monitor.currentWriter()).toEqual({ host: '127.0.0.1', port: 3306 });
  });

  it('suspect(host): no new writes at once, one probe for concurrent reports, back to up when it answers', async () => {
    const fake = cluster({ hosts: [H1, H2], flavor: 'replication', probeIntervalMs: 5000 });
    fake.set(H1, up());
    fake.set(H2, readOnly);
    fake.monitor.start();
    await fake.settle();
    const before = fake.probes.get(H1) ?? 0;
    const first = fake.monitor.suspect(H1, 'ECONNRESET on a pooled connection');
    const second = fake.monitor.suspect({ host: '127.0.0.1', port: 3306 });
    expect(fake.monitor.stateOf(H1)).toBe('suspect');
    expect(fake.monitor.currentWriter()).toBeUndefined();
    expect(await first).toBe('up');
    expect(await second).toBe('up');
    expect(fake.probes.get(H1)).toBe(before + 1);
    expect(fake.monitor.currentWriter()).toEqual({ host: '127.0.0.1', port: 3306 });
    // The writer never changed: a single error does not move the pools.
    expect(fake.events.filter((event) => event.type === 'writer-changed')).toHaveLength(1);
    expect(fake.events).toContainEqual({
      type: 'host-state-changed',
      host: H1,
      from: 'up',
      to: 'suspect',
      reason: 'ECONNRESET on a pooled connection',
    });
  });

  it('writer() rejects with the signal reason when aborted, and every waiter when closed', async () => {
    const fake = cluster({ hosts: [H1], flavor: 'replication' });
    fake.set(H1, readOnly);
    const controller = new AbortController();
    const aborted = fake.monitor.writer({ signal: controller.signal });
    const closedWait = fake.monitor.writer();
    await fake.settle();
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    fake.monitor.close();
    await expect(closedWait).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(fake.monitor.writer()).rejects.toThrow(/closed/);
    const probes = fake.probes.get(H1);
    await fake.advance(10_000);
    expect(fake.probes.get(H1)).toBe(probes);
    expect(fake.destroyed).toEqual([H1]);
  });
});

describe('ClusterMonitor, galera flavor', () => {
  it('writes to the Synced node with the lowest wsrep_local_index, and moves when it leaves', async () => {
    const fake = cluster({ hosts: [H1, H2, H3], flavor: 'galera', probeIntervalMs: 500 });
    fake.set(H1, desynced);
    fake.set(H2, up(2));
    fake.set(H3, up(1));
    fake.monitor.start();
    await fake.settle();
    expect(fake.monitor.currentWriter()).toEqual({ host: '127.0.0.3', port: 3306 });
    // H1 is Synced again with index 0: the writer moves to it (MaxScale's rule, the same choice in every process).
    fake.set(H1, up(0));
    await fake.advance(500);
    expect(fake.monitor.currentWriter()).toEqual({ host: '127.0.0.1', port: 3306 });
    fake.set(H1, { state: 'non-primary', reason: 'wsrep_cluster_status is non-Primary' });
    await fake.advance(500);
    expect(fake.monitor.currentWriter()).toEqual({ host: '127.0.0.3', port: 3306 });
    expect(fake.monitor.describeHosts()).toBe(
      `${H1} non-primary (wsrep_cluster_status is non-Primary); ${H2} up (fake up); ${H3} up (writer) (fake up)`,
    );
  });

  it('a writer whose probe times out while another node answered is down at once, and the writer moves', async () => {
    const fake = cluster({
      hosts: [H1, H2, H3],
      flavor: 'galera',
      probeIntervalMs: 1000,
      probeTimeoutMs: 300,
    });
    fake.set(H1, up(0));
    fake.set(H2, up(1));
    fake.set(H3, up(2));
    fake.monitor.start();
    await fake.settle();
    expect(fake.monitor.currentWriter()).toEqual({ host: '127.0.0.1', port: 3306 });
    fake.set(H1, 'hang-query');
    await fake.advance(1000);
    expect(fake.monitor.stateOf(H1)).toBe('up');
    await fake.advance(300);
    // One timeout, not two: H2 and H3 answered meanwhile, so the silence is H1's, not the machine's.
    expect(fake.monitor.stateOf(H1)).toBe('down');
    expect(fake.monitor.hosts()[0]?.reason).toBe(`probe timed out after 300 ms while ${H2} answered`);
    expect(fake.monitor.currentWriter()).toEqual({ host: '127.0.0.2', port: 3306 });
    expect(
      fake.events.flatMap((event) =>
        event.type === 'host-state-changed' && event.host === H1 ? [event.to] : [],
      ),
    ).toEqual(['up', 'down']);
  });

  it('a writer whose probe times out while no other node answered is only suspect (a slow machine)', async () => {
    const fake = cluster({
      hosts: [H1, H2, H3],
      flavor: 'galera',
      probeIntervalMs: 1000,
      probeTimeoutMs: 300,
    });
    fake.set(H1, up(0));
    fake.set(H2, up(1));
    fake.set(H3, up(2));
    fake.monitor.start();
    await fake.settle();
    for (const host of [H1, H2, H3]) fake.set(host, 'hang-query');
    await fake.advance(1300);
    // Every probe is in flight and late: nobody answered, so nobody is down on one timeout.
    await fake.advance(0);
    expect(fake.monitor.hosts().map((host) => host.state)).toEqual(['suspect', 'suspect', 'suspect']);
    expect(fake.monitor.hosts()[0]?.reason).toBe('probe timed out after 300 ms');
  });
});

describe('ClusterMonitor, an error reported while a probe runs', () => {
  it('does not let the older probe clear the report: the next probe decides', async () => {
    const fake = cluster({ hosts: [H1], flavor: 'proxy', probeIntervalMs: 1000, probeTimeoutMs: 500 });
    fake.set(H1, 'hang-query');
    fake.monitor.start();
    await fake.settle();
    // The first probe is in flight (hung); the host answers again, then a pool reports an error.
    fake.set(H1, up());
    const verdict = fake.monitor.suspect(H1, 'ECONNRESET');
    expect(fake.monitor.stateOf(H1)).toBe('suspect');
    await fake.advance(600);
    expect(await verdict).toBe('up');
    // Two probes: the hung one (timed out) and the one after the report.
    expect(fake.connects.get(H1)).toBe(2);
    expect(fake.probes.get(H1)).toBe(2);
  });

  it('keeps the host suspect when a probe started before the report answers up', async () => {
    const fake = cluster({ hosts: [H1], flavor: 'proxy', probeIntervalMs: 1000 });
    fake.set(H1, up());
    fake.monitor.start();
    const inFlight = fake.monitor.probeNow(H1);
    const verdict = fake.monitor.suspect(H1, 'ECONNRESET');
    expect(await inFlight).toBe('suspect');
    expect(await verdict).toBe('up');
    expect(fake.probes.get(H1)).toBe(2);
  });
});
