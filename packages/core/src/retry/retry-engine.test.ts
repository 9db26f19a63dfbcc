import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isConnectionLost } from '../errors/connection-lost-error.js';
import { isDatabaseUnavailable } from '../errors/database-unavailable-error.js';
import { PacketTooLargeError } from '../errors/packet-too-large-error.js';
import type { GoneAwayEventInput } from '../events/event-types.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { type AttemptContext, createRetryEngine } from './retry-engine.js';

const lost = () =>
  Object.assign(new Error('Connection lost: The server closed the connection.'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  });
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
    syscall: 'connect',
    fatal: true,
  });
const duplicate = () => Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', errno: 1062 });

function setup(options: Parameters<typeof parsePolicy>[0] = {}) {
  const events: GoneAwayEventInput[] = [];
  const engine = createRetryEngine(
    parsePolicy(options),
    { emit: (event) => events.push(event) },
    { now: () => Date.now() },
  );
  return { engine, events, types: () => events.map((event) => event.type) };
}

/** An attempt that fails with the given errors in turn, then resolves with `value`. */
function failing<T>(errors: Array<() => Error>, value: T) {
  const calls: AttemptContext[] = [];
  const fn = async (context: AttemptContext) => {
    calls.push(context);
    const next = errors[calls.length - 1];
    if (next !== undefined) throw next();
    return value;
  };
  return { fn, calls };
}

/** Settles a promise while fake time runs, returning what it settled with. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return outcome;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('RetryEngine.execute', () => {
  it('retries a read lost mid-flight and reports the retries and the reconnect', async () => {
    const { engine, events, types } = setup();
    const attempt = failing([lost, lost], 'rows');
    const { value } = await settle(
      engine.execute(attempt.fn, { statement: { safety: 'read', sql: "select * from t where s = 'x'" } }),
    );
    expect(value).toBe('rows');
    expect(attempt.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    // The budget runs from the call's start: every attempt carries its end.
    expect(attempt.calls.map((c) => c.deadline)).toEqual([1_005_000, 1_005_000, 1_005_000]);
    expect(types()).toEqual(['retry', 'retry', 'reconnected']);
    expect(events[0]).toMatchObject({
      type: 'retry',
      attempt: 1,
      statement: 'select * from `?` where `?` = ?',
    });
    expect(events[2]).toMatchObject({ type: 'reconnected', attempts: 3 });
    expect(engine.stats()).toMatchObject({ calls: 1, attempts: 3, retries: 2, circuit: 'closed' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not retry a write that may have run: ConnectionLostError with the cause', async () => {
    const { engine } = setup();
    const attempt = failing([lost], 'never');
    const { error } = await settle(
      engine.execute(attempt.fn, { statement: { safety: 'write', sql: 'insert into t values (1)' } }),
    );
    expect(isConnectionLost(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    expect(attempt.calls).toHaveLength(1);
  });

  it('retries a write that never left, unless retryWrites is never', async () => {
    const retried = failing([refused, refused], 'ok');
    expect((await settle(setup().engine.execute(retried.fn, { statement: { safety: 'write' } }))).value).toBe(
      'ok',
    );
    expect(retried.calls).toHaveLength(3);

    const once = failing([refused], 'never');
    const { error } = await settle(
      setup({ retryWrites: 'never' }).engine.execute(once.fn, { statement: { safety: 'write' } }),
    );
    expect(isConnectionLost(error)).toBe(true);
    expect(once.calls).toHaveLength(1);
  });

  it('rethrows errors that are not about the connection untouched, and our own errors too', async () => {
    const { engine, events } = setup();
    const original = duplicate();
    const { error } = await settle(
      engine.execute(async () => Promise.reject(original), { statement: { safety: 'write' } }),
    );
    expect(error).toBe(original);
    const guard = new PacketTooLargeError({ packetBytes: 10, maxAllowedPacket: 5 });
    expect((await settle(engine.execute(async () => Promise.reject(guard)))).error).toBe(guard);
    expect(events).toEqual([]);
  });

  it('never retries inside a transaction and hands back the original error', async () => {
    const { engine } = setup();
    const original = lost();
    let calls = 0;
    const { error } = await settle(
      engine.execute(
        async () => {
          calls++;
          throw original;
        },
        { inTransaction: true, statement: { safety: 'read' } },
      ),
    );
    expect(error).toBe(original);
    expect(calls).toBe(1);
  });

  it('spends the outage budget, opens the circuit, fails fast, probes once per interval and closes', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { engine, events, types } = setup({
      outageBudgetMs: 5000,
      circuitBreaker: { probeIntervalMs: 1000 },
    });
    let serverUp = false;
    let attempts = 0;
    const query = async () => {
      attempts++;
      if (!serverUp) throw refused();
      return 'ok';
    };
    const startedAt = Date.now();
    const { error } = await settle(engine.execute(query, { statement: { safety: 'read' } }));
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'budget-spent', elapsedMs: 5000 });
    expect(Date.now() - startedAt).toBe(5000);
    // Delays 12, 25, 50, 100, 200, 400, then 500 (half of each ceiling): retries at 12, 37, 87, 187,
    // 387, 787, 1287, …, 4787 ms = 15 attempts; the last delay is cut to the budget, and no attempt
    // starts at its end (it could only run over it).
    expect(attempts).toBe(15);
    expect(types().filter((type) => type === 'circuit-open')).toHaveLength(1);
    expect(engine.circuit).toBe('open');

    // Open: fails fast without touching the server.
    const before = attempts;
    const fast = await settle(engine.execute(query, { statement: { safety: 'read' } }));
    expect(fast.error).toMatchObject({ code: 'GONEAWAY_UNAVAILABLE', reason: 'circuit-open' });
    expect(attempts).toBe(before);

    // After the interval one probe goes through; concurrent calls still fail fast.
    vi.advanceTimersByTime(1000);
    serverUp = true;
    let releaseProbe: () => void = () => undefined;
    const probe = engine.execute(
      (context) =>
        new Promise<string>((resolve) => {
          expect(context.probe).toBe(true);
          releaseProbe = () => resolve('probe-ok');
        }),
      { statement: { safety: 'read' } },
    );
    const concurrent = await settle(engine.execute(query, { statement: { safety: 'read' } }));
    expect(concurrent.error).toMatchObject({ reason: 'circuit-open' });
    releaseProbe();
    expect(await probe).toBe('probe-ok');
    expect(engine.circuit).toBe('closed');
    expect(types().slice(-2)).toEqual(['circuit-closed', 'reconnected']);
    expect(events.find((event) => event.type === 'circuit-closed')).toMatchObject({ openMs: 1000 });
    expect((await settle(engine.execute(query, { statement: { safety: 'read' } }))).value).toBe('ok');
    expect(engine.stats()).toMatchObject({ probes: 1, failedFast: 2, circuitOpened: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('budgetSpent: a better error for a spent budget (a cluster with no writer) is answered and the circuit stays closed', async () => {
    const events: GoneAwayEventInput[] = [];
    const noWriter = new Error('no writer in the cluster; hosts and their states');
    let spentWith: unknown;
    const engine = createRetryEngine(
      parsePolicy({ outageBudgetMs: 1000 }),
      { emit: (event) => events.push(event) },
      {
        now: () => Date.now(),
        budgetSpent: (spent) => {
          spentWith = spent;
          return noWriter;
        },
      },
    );
    const first = await settle(
      engine.execute(async () => {
        throw refused();
      }),
    );
    expect(first.error).toBe(noWriter);
    expect(spentWith).toMatchObject({ elapsedMs: 1000 });
    expect(engine.circuit).toBe('closed');
    expect(events.map((event) => event.type)).not.toContain('circuit-open');
    // The next call is not failed fast: it tries (and here succeeds at once).
    expect((await settle(engine.execute(async () => 'ok'))).value).toBe('ok');
  });

  it('keeps the circuit open when the probe fails and waits another interval', async () => {
    const { engine } = setup({ outageBudgetMs: 100, circuitBreaker: { probeIntervalMs: 1000 } });
    const down = async () => Promise.reject(refused());
    await settle(engine.execute(down, { statement: { safety: 'read' } }));
    vi.advanceTimersByTime(1000);
    let probed = 0;
    const probeOnce = async (context: AttemptContext) => {
      probed++;
      expect(context.probe).toBe(true);
      throw refused();
    };
    expect((await settle(engine.execute(probeOnce, { statement: { safety: 'read' } }))).error).toMatchObject({
      reason: 'circuit-open',
    });
    expect(probed).toBe(1);
    vi.advanceTimersByTime(999);
    expect((await settle(engine.execute(probeOnce))).error).toMatchObject({ reason: 'circuit-open' });
    expect(probed).toBe(1);
    vi.advanceTimersByTime(1);
    await settle(engine.execute(probeOnce));
    expect(probed).toBe(2);
  });

  it('fails the other waiting calls fast once one call has opened the circuit', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { engine } = setup({ outageBudgetMs: 1000 });
    const down = async () => Promise.reject(refused());
    const first = engine.execute(down, { statement: { safety: 'read' } });
    await vi.advanceTimersByTimeAsync(300);
    const second = engine.execute(down, { statement: { safety: 'read' } });
    const [a, b] = await Promise.all([settle(first), settle(second)]);
    expect(a.error).toMatchObject({ reason: 'budget-spent' });
    expect(b.error).toMatchObject({ reason: 'circuit-open' });
  });

  it('rejects at once with the signal reason when aborted, leaving no timer', async () => {
    const { engine } = setup();
    const controller = new AbortController();
    const pending = engine.execute(async () => Promise.reject(refused()), { signal: controller.signal });
    const outcome = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(30);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    // Already aborted: the attempt is never called.
    let called = false;
    await expect(
      engine.execute(
        async () => {
          called = true;
        },
        { signal: controller.signal },
      ),
    ).rejects.toBe(reason);
    expect(called).toBe(false);
  });

  it('aborts an attempt in flight without waiting for it, and frees the probe slot', async () => {
    const { engine } = setup({ outageBudgetMs: 0, circuitBreaker: { probeIntervalMs: 10 } });
    await settle(engine.execute(async () => Promise.reject(refused())));
    expect(engine.circuit).toBe('open');
    vi.advanceTimersByTime(10);
    const controller = new AbortController();
    const hanging = engine.execute(() => new Promise<never>(() => undefined), { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(hanging).rejects.toThrow('stop');
    // The abandoned probe does not hold the slot: the next call may probe.
    expect(await engine.execute(async () => 'probe')).toBe('probe');
    expect(engine.circuit).toBe('closed');
  });

  it('destroy rejects sleeping calls and clears their timers', async () => {
    const { engine } = setup();
    const pending = engine.execute(async () => Promise.reject(refused()), { statement: { safety: 'read' } });
    const outcome = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(5);
    engine.destroy();
    expect(await outcome).toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
    await expect(engine.execute(async () => 1)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('still retries once with a zero budget: one dead pooled connection is not an outage', async () => {
    const { engine } = setup({ outageBudgetMs: 0 });
    const attempt = failing([lost], 'ok');
    expect((await settle(engine.execute(attempt.fn, { statement: { safety: 'read' } }))).value).toBe('ok');
    expect(attempt.calls).toHaveLength(2);
  });

  it('the budget counts from the call start: a connect that used it up is not tried again, elapsedMs is the whole wait', async () => {
    const { engine } = setup({ outageBudgetMs: 1_000 });
    const calls: AttemptContext[] = [];
    const { error } = await settle(
      engine.execute(
        async (context) => {
          calls.push(context);
          // A connect that hung until the deadline (a host that never greets), cut off there.
          await new Promise((resolve) => setTimeout(resolve, context.deadline - Date.now()));
          throw refused();
        },
        { statement: { safety: 'read' } },
      ),
    );
    expect(calls.map((c) => c.deadline)).toEqual([1_001_000]);
    expect(error).toMatchObject({ code: 'GONEAWAY_UNAVAILABLE', reason: 'budget-spent', attempts: 1 });
    expect(error).toMatchObject({ elapsedMs: 1_000 });
  });

  it('a statement that ran before its connection was lost does not eat the budget: it counts from that failure', async () => {
    const { engine } = setup({ outageBudgetMs: 1_000 });
    const calls: AttemptContext[] = [];
    const { error } = await settle(
      engine.execute(
        async (context) => {
          calls.push(context);
          if (calls.length === 1) {
            // A 30 s read, lost at its end.
            await new Promise((resolve) => setTimeout(resolve, 30_000));
            throw lost();
          }
          throw refused();
        },
        { statement: { safety: 'read' } },
      ),
    );
    expect(calls[0]?.deadline).toBe(1_001_000);
    expect(calls[1]?.deadline).toBe(1_031_000);
    // The truth: the caller waited for the statement and then for the outage.
    expect(error).toMatchObject({ code: 'GONEAWAY_UNAVAILABLE', elapsedMs: 31_000 });
  });

  it('startedAt: a first attempt that ran outside the engine counts, in the budget and in elapsedMs', async () => {
    const { engine } = setup({ outageBudgetMs: 1_000 });
    const startedAt = Date.now() - 600;
    const attempt = failing(
      [refused, refused, refused, refused, refused, refused, refused, refused],
      'never',
    );
    const { error } = await settle(
      engine.execute(attempt.fn, {
        statement: { safety: 'read' },
        firstFailure: { error: refused() },
        startedAt,
      }),
    );
    expect(attempt.calls[0]?.deadline).toBe(startedAt + 1_000);
    expect(error).toMatchObject({ code: 'GONEAWAY_UNAVAILABLE', elapsedMs: 1_000 });
  });

  it('a call failed fast by the open circuit says how long it waited itself', async () => {
    const { engine } = setup({ outageBudgetMs: 100, circuitBreaker: { probeIntervalMs: 60_000 } });
    await settle(engine.execute(async () => Promise.reject(refused())));
    expect(engine.circuit).toBe('open');
    vi.advanceTimersByTime(5_000);
    const { error } = await settle(engine.execute(async () => 'never'));
    expect(error).toMatchObject({ reason: 'circuit-open', elapsedMs: 0 });
  });

  it('a listener that throws changes nothing', async () => {
    const engine = createRetryEngine(parsePolicy(), {
      emit: () => {
        throw new Error('listener bug');
      },
    });
    const attempt = failing([lost], 'ok');
    expect((await settle(engine.execute(attempt.fn, { statement: { safety: 'read' } }))).value).toBe('ok');
  });
});

describe('RetryEngine circuit', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });

  it('closes when a call that began before it opened succeeds afterwards', async () => {
    const { engine, types } = setup({ outageBudgetMs: 100 });
    let finishSlowRead: (rows: string) => void = () => undefined;
    const slow = engine.execute(
      () =>
        new Promise<string>((resolve) => {
          finishSlowRead = resolve;
        }),
      { statement: { safety: 'read' } },
    );
    await settle(engine.execute(async () => Promise.reject(refused()), { statement: { safety: 'read' } }));
    expect(engine.circuit).toBe('open');
    finishSlowRead('rows');
    expect(await slow).toBe('rows');
    expect(engine.circuit).toBe('closed');
    expect(types()).toContain('circuit-closed');
  });
});
