import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classify } from '../classification/classify.js';
import { MIN_CONNECT_WAIT_MS } from './connect-cut-off.js';
import { ReconnectGate } from './reconnect-gate.js';

const backoff = { initialDelayMs: 100, maxDelayMs: 1000 };
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** A connect function whose calls stay pending until the test settles them. */
function controllableConnect() {
  const pending: Array<{ resolve: (value: string) => void; reject: (error: Error) => void }> = [];
  let made = 0;
  const connect = () =>
    new Promise<string>((resolve, reject) => {
      made++;
      pending.push({ resolve, reject });
    });
  return { connect, pending, made: () => made };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('ReconnectGate', () => {
  it('connects in parallel while the server is up', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    const server = controllableConnect();
    const connections = Array.from({ length: 5 }, () => gate.connect(server.connect));
    await vi.advanceTimersByTimeAsync(0);
    expect(server.made()).toBe(5);
    for (const [i, p] of server.pending.entries()) p.resolve(`c${i}`);
    expect(await Promise.all(connections)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(gate.stats()).toEqual({ attempts: 5, sharedWaits: 0, failures: 0, state: 'up' });
  });

  it('while down, callers share one attempt at a time, spaced by the backoff', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    const server = controllableConnect();
    const first = gate.connect(server.connect).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    server.pending[0]!.reject(refused());
    expect(await first).toMatchObject({ code: 'ECONNREFUSED' });
    expect(gate.isDown).toBe(true);

    // Ten callers arrive; the next slot is 75 ms after the failure (half jitter, draw 0.5, 100 ms ceiling).
    const callers = Array.from({ length: 10 }, () =>
      gate.connect(server.connect).catch((error: unknown) => error),
    );
    await vi.advanceTimersByTimeAsync(74);
    expect(server.made()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.made()).toBe(2);
    server.pending[1]!.reject(refused());
    const failures = await Promise.all(callers);
    expect(failures.every((error) => (error as { code?: string }).code === 'ECONNREFUSED')).toBe(true);
    // One connect for eleven callers.
    expect(gate.stats()).toMatchObject({ attempts: 2, sharedWaits: 9, failures: 2, state: 'down' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when the shared attempt succeeds its caller keeps it and the others connect in parallel', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    await gate.connect(async () => Promise.reject(refused())).catch(() => undefined);
    const server = controllableConnect();
    const callers = [1, 2, 3].map(() => gate.connect(server.connect));
    await vi.advanceTimersByTimeAsync(75);
    expect(server.made()).toBe(1);
    server.pending[0]!.resolve('leader');
    await vi.advanceTimersByTimeAsync(0);
    // Up again: the two sharers now open their own connections, at the same time.
    expect(server.made()).toBe(3);
    server.pending[1]!.resolve('second');
    server.pending[2]!.resolve('third');
    expect(await Promise.all(callers)).toEqual(['leader', 'second', 'third']);
    expect(gate.stats()).toMatchObject({ attempts: 4, sharedWaits: 2, state: 'up' });
  });

  it('stretches the spacing up to RECONNECT_PROBE_CEILING_MS as failures continue and resets it once up', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    const at: number[] = [];
    let up = false;
    const connect = async () => {
      at.push(Date.now());
      if (!up) throw refused();
      return 'c';
    };
    // A caller that keeps trying as fast as it can, like tarn re-creating for pending acquires.
    let stop = false;
    const hammer = async () => {
      while (!stop) {
        await gate.connect(connect).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    const run = hammer();
    await vi.advanceTimersByTimeAsync(3000);
    stop = true;
    await vi.advanceTimersByTimeAsync(1000);
    await run;
    const gaps = at.slice(1).map((time, i) => time - at[i]!);
    // Ceilings 100, then 200 (the probe ceiling, below backoff.maxDelayMs), at 3/4 by the draw: 75, 150, 150…
    expect(gaps.slice(0, 6)).toEqual([75, 150, 150, 150, 150, 150]);
    // 3 s of a caller retrying every millisecond: 21 connects (0, 75, 225, … 2925 ms), not 3000.
    expect(at.filter((time) => time <= 3000)).toHaveLength(21);
    up = true;
    await gate.connect(connect);
    expect(gate.isDown).toBe(false);
  });

  it('a caller whose deadline comes before the next slot waits until its deadline, then fails with the last connect error', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    const first = refused();
    await gate.connect(async () => Promise.reject(first)).catch(() => undefined);
    let called = false;
    const connect = async () => {
      called = true;
      return 'c';
    };
    // The slot is at 75 ms. Failing at once would only send the caller's retry loop round again at
    // once, spinning until its deadline: it waits the budget out instead, without connecting.
    const late = gate.connect(connect, { deadline: 74 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(73);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await late).toBe(first);
    expect(called).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    // Already past its deadline: at once.
    await expect(gate.connect(connect, { deadline: 10 })).rejects.toBe(first);
    const inTime = gate.connect(connect, { deadline: 75 });
    await vi.advanceTimersByTimeAsync(1);
    expect(await inTime).toBe('c');
  });

  it('stops waiting for its own connect at the deadline; the late connection goes to abandon', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    const server = controllableConnect();
    const abandoned: string[] = [];
    const call = gate
      .connect(server.connect, {
        deadline: 1_500,
        target: '10.0.0.9:3306',
        abandon: (c) => abandoned.push(c),
      })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(gate.connectingSince).toBe(0);
    await vi.advanceTimersByTimeAsync(1_499);
    expect(server.made()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    // Nothing failed yet to say why: a connect timeout, with the address, classified as a connect failure.
    const error = (await call) as Error & { code?: string; syscall?: string };
    expect(error).toMatchObject({ code: 'ETIMEDOUT', syscall: 'connect' });
    expect(error.message).toContain('connect ETIMEDOUT 10.0.0.9:3306');
    expect(classify(error).kind).toBe('connect-failed');
    expect(vi.getTimerCount()).toBe(0);
    // The connect itself is the driver's (it ends at its own connect timeout): if it brings a
    // connection after all, that goes back instead of leaking.
    server.pending[0]!.resolve('late');
    await vi.advanceTimersByTimeAsync(0);
    expect(abandoned).toEqual(['late']);
    expect(gate.isDown).toBe(false);
    expect(gate.connectingSince).toBeUndefined();
  });

  it('a connect that starts after the deadline still gets MIN_CONNECT_WAIT_MS (a zero budget can connect)', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    const server = controllableConnect();
    vi.setSystemTime(5_000);
    const call = gate.connect(server.connect, { deadline: 1_000 });
    await vi.advanceTimersByTimeAsync(MIN_CONNECT_WAIT_MS - 1);
    server.pending[0]!.resolve('fast enough');
    expect(await call).toBe('fast enough');
    const slow = gate.connect(server.connect, { deadline: 1_000 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(MIN_CONNECT_WAIT_MS);
    expect(await slow).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('a sharer stops waiting for the shared attempt at its deadline, with the last connect error', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    const first = refused();
    await gate.connect(async () => Promise.reject(first)).catch(() => undefined);
    const server = controllableConnect();
    const leader = gate.connect(server.connect).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(75);
    expect(server.made()).toBe(1);
    const sharer = gate.connect(server.connect, { deadline: 500 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(424);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await sharer).toBe(first);
    expect(gate.stats().sharedWaits).toBe(1);
    server.pending[0]!.reject(refused());
    expect(await leader).toMatchObject({ code: 'ECONNREFUSED' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a waiting caller that aborts leaves at once and takes its timer with it', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    await gate.connect(async () => Promise.reject(refused())).catch(() => undefined);
    const controller = new AbortController();
    const waiting = gate
      .connect(async () => 'c', { signal: controller.signal })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('deadline');
    controller.abort(reason);
    expect(await waiting).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a sharer that aborts leaves without waiting for the shared attempt', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    await gate.connect(async () => Promise.reject(refused())).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(75);
    const server = controllableConnect();
    const leader = gate.connect(server.connect).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    const controller = new AbortController();
    const sharer = gate
      .connect(server.connect, { signal: controller.signal })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort(new Error('gave up'));
    expect(await sharer).toMatchObject({ message: 'gave up' });
    server.pending[0]!.resolve('c');
    expect(await leader).toBe('c');
  });

  it('destroy rejects every waiting caller and clears their timers', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    await gate.connect(async () => Promise.reject(refused())).catch(() => undefined);
    const waiters = [1, 2, 3].map(() => gate.connect(async () => 'c').catch((error: unknown) => error));
    await vi.advanceTimersByTimeAsync(1);
    gate.destroy();
    for (const error of await Promise.all(waiters)) expect(error).toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
    await expect(gate.connect(async () => 'c')).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('destroy, or the signal of a caller, ends a wait for a connect in flight; a late connection is abandoned', async () => {
    const gate = new ReconnectGate({ backoff }, { now: () => Date.now() });
    const server = controllableConnect();
    const abandoned: string[] = [];
    const abandon = (value: string) => abandoned.push(value);
    const controller = new AbortController();
    const withDeadline = gate
      .connect(server.connect, { deadline: 10_000, abandon })
      .catch((error: unknown) => error);
    const withSignal = gate
      .connect(server.connect, { signal: controller.signal, abandon })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort(new Error('gave up'));
    expect(await withSignal).toMatchObject({ message: 'gave up' });
    gate.destroy();
    expect(await withDeadline).toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
    for (const [i, p] of server.pending.entries()) p.resolve(`c${i}`);
    await vi.advanceTimersByTimeAsync(0);
    expect(abandoned.sort()).toEqual(['c0', 'c1']);
  });
});
