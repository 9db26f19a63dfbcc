import { ReconnectGate } from '@goneaway/core/adapter';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AcquireWatchdog } from './acquire-watchdog.js';

/** tarn's pending acquire, as far as the watchdog sees it. */
function pendingAcquire() {
  const acquire = {
    isRejected: false,
    rejectedWith: undefined as unknown,
    reject(error: unknown) {
      acquire.isRejected = true;
      acquire.rejectedWith = error;
    },
  };
  return acquire;
}

function fakePool() {
  return {
    pendingAcquires: [] as Array<ReturnType<typeof pendingAcquire>>,
    pendingValidations: [] as Array<ReturnType<typeof pendingAcquire>>,
  };
}

function setup() {
  const gate = new ReconnectGate(
    { backoff: { initialDelayMs: 25, maxDelayMs: 1000 } },
    { now: () => Date.now() },
  );
  const cutOff: unknown[] = [];
  const watchdog = new AcquireWatchdog({
    gate,
    budgetMs: 1_000,
    target: () => '10.0.0.9:3306',
    onCutOff: (error) => cutOff.push(error),
    now: () => Date.now(),
  });
  return { gate, watchdog, cutOff, pool: fakePool() };
}

/** A connect that never answers (a host that accepts TCP and never greets). */
const silentConnect = () => new Promise<never>(() => undefined);

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('AcquireWatchdog', () => {
  it('rejects a waiting acquire at its deadline while a connect is in flight, with a connect timeout naming the address', async () => {
    const { gate, watchdog, cutOff, pool } = setup();
    const acquire = pendingAcquire();
    pool.pendingAcquires.push(acquire);
    watchdog.stamp(pool, 1_000);
    void gate.connect(silentConnect);
    watchdog.connectChanged();
    await vi.advanceTimersByTimeAsync(999);
    expect(acquire.isRejected).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(acquire.rejectedWith).toMatchObject({ code: 'ETIMEDOUT', syscall: 'connect' });
    expect(String((acquire.rejectedWith as Error).message)).toContain('10.0.0.9:3306');
    expect(cutOff).toEqual([acquire.rejectedWith]);
  });

  it('leaves an acquire waiting for a busy pool alone: no connect in flight, the server not known down', async () => {
    const { watchdog, pool } = setup();
    const acquire = pendingAcquire();
    pool.pendingAcquires.push(acquire);
    watchdog.stamp(pool, 1_000);
    watchdog.connectChanged();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(acquire.isRejected).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not touch an acquire served at once from a free connection (the happy path)', () => {
    const { watchdog, pool } = setup();
    const served = pendingAcquire();
    pool.pendingValidations.push(served);
    watchdog.stamp(pool, 1_000);
    expect(Object.getOwnPropertySymbols(served)).toEqual([]);
  });

  it('an acquire whose deadline passed while it waited for a busy pool still gets MIN_CONNECT_WAIT_MS of a new connect', async () => {
    const { gate, watchdog, pool } = setup();
    const acquire = pendingAcquire();
    pool.pendingAcquires.push(acquire);
    watchdog.stamp(pool, 1_000);
    await vi.advanceTimersByTimeAsync(5_000);
    void gate.connect(silentConnect);
    watchdog.connectChanged();
    await vi.advanceTimersByTimeAsync(99);
    expect(acquire.isRejected).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(acquire.isRejected).toBe(true);
  });

  it('while the server is known down, rejects with the last connect error at each deadline in turn', async () => {
    const { gate, watchdog, pool } = setup();
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:3306'), { code: 'ECONNREFUSED' });
    await gate.connect(async () => Promise.reject(refused)).catch(() => undefined);
    expect(gate.isDown).toBe(true);
    const first = pendingAcquire();
    const second = pendingAcquire();
    pool.pendingAcquires.push(first);
    watchdog.stamp(pool, 300);
    pool.pendingAcquires.push(second);
    watchdog.stamp(pool, 700);
    await vi.advanceTimersByTimeAsync(300);
    expect(first.rejectedWith).toBe(refused);
    expect(second.isRejected).toBe(false);
    pool.pendingAcquires.shift(); // tarn drops a rejected acquire from its queue
    await vi.advanceTimersByTimeAsync(400);
    expect(second.rejectedWith).toBe(refused);
    watchdog.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
