import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerLimits } from '../limits/server-limits.js';
import type { GoneAwayOptions } from '../policy/options.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { ConnectionValidator, type ValidationDriver } from './connection-validator.js';
import { FakeTimerClock } from './fake-timer-clock.fixture.js';
import { PooledConnectionState } from './pooled-connection-state.js';
import { PING_TIMEOUT_FLOOR_MS } from './round-trip-estimator.js';

const serverLimits: ServerLimits = {
  waitTimeoutSeconds: 28_800,
  interactiveTimeoutSeconds: 28_800,
  maxAllowedPacket: 16_777_216,
  readOnly: false,
  superReadOnly: false,
  version: '10.11.6-MariaDB',
  flavor: 'mariadb',
  connectionId: 1,
};

/** A pooled connection whose ping the server answers after `answerMs` (never, when undefined). */
interface FakeConnection {
  answerMs: number | undefined;
  destroyed: boolean;
  ping(callback: (error?: unknown) => void): void;
}

/** The driver contract over the fake: broken once destroyed. */
const driver: ValidationDriver<FakeConnection> = {
  isBroken: (connection) => connection.destroyed,
  ping: (connection, callback) => connection.ping(callback),
  destroy: (connection) => {
    connection.destroyed = true;
  },
};

function setup(options?: GoneAwayOptions) {
  const clock = new FakeTimerClock();
  const evicted: string[] = [];
  const validator = new ConnectionValidator(
    parsePolicy(options),
    (_state, reason) => evicted.push(reason),
    driver,
    clock,
  );
  const connection = (answerMs?: number): FakeConnection => {
    const fake: FakeConnection = {
      answerMs,
      destroyed: false,
      ping(callback) {
        if (fake.answerMs !== undefined) clock.setTimeout(() => callback(), fake.answerMs);
      },
    };
    return fake;
  };
  const state = () =>
    new PooledConnectionState(1, serverLimits, {
      idleLimitMs: 3_600_000,
      maxLifetimeMs: 3_600_000,
      idleSource: 'derived',
      lifetimeSource: 'derived',
    });
  /** Time passes with the event loop free (the monotonic and wall clocks, and the ping timers). */
  const advance = (ms: number) => {
    vi.advanceTimersByTime(ms);
    clock.advance(ms);
  };
  /** Validates, letting the fake time run until a ping settles; returns the verdict and whether it pinged. */
  const handOut = async (conn: FakeConnection, connState: PooledConnectionState) => {
    const verdict = validator.validate(conn, connState);
    if (typeof verdict === 'boolean') return { ok: verdict, pinged: false };
    let settled: boolean | undefined;
    verdict.then((ok) => {
      settled = ok;
    });
    for (let waited = 0; settled === undefined && waited < 5_000; waited += 10) {
      advance(10);
      await Promise.resolve();
      await Promise.resolve();
    }
    return { ok: settled, pinged: true };
  };
  return { validator, evicted, clock, connection, state, advance, handOut };
}

describe('ConnectionValidator', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("hands out a FIFO pool's connections without a ping under steady load, though each sat idle past the bypass window", async () => {
    // mariadb's pool hands out its least recently used connection: 10 connections, one statement
    // every 90 ms, so each waits 900 ms between its turns while the pool works all the time.
    const t = setup();
    const pool = Array.from({ length: 10 }, () => ({ conn: t.connection(0.3), state: t.state() }));
    for (let turn = 0; turn < 200; turn++) {
      const { conn, state } = pool[turn % pool.length] as (typeof pool)[number];
      const { ok, pinged } = await t.handOut(conn, state);
      expect(ok).toBe(true);
      if (pinged && turn >= pool.length) throw new Error(`turn ${turn} pinged`);
      t.advance(1);
      state.markUsed();
      t.advance(89);
    }
    expect(t.validator.validationPings).toBe(0);
    expect(t.evicted).toEqual([]);
  });

  it('pings a connection that sat idle longer than any that has just worked (the cold end of a LIFO pool)', async () => {
    const t = setup();
    const hot = { conn: t.connection(0.3), state: t.state() };
    const cold = { conn: t.connection(0.3), state: t.state() };
    cold.state.markUsed();
    for (let i = 0; i < 20; i++) {
      t.advance(100);
      expect(t.validator.validate(hot.conn, hot.state)).toBe(true);
      hot.state.markUsed();
    }
    expect((await t.handOut(cold.conn, cold.state)).pinged).toBe(true);
    expect(t.validator.validationPings).toBe(1);
  });

  it('after a pool was quiet past the bypass window, pings the first connection it hands out; that answer vouches for the ones idle no longer', async () => {
    const t = setup();
    const pool = Array.from({ length: 5 }, () => ({ conn: t.connection(0.3), state: t.state() }));
    for (const { state } of pool) {
      t.advance(1);
      state.markUsed();
    }
    t.advance(2_000);
    const outcomes = [];
    for (const { conn, state } of pool) outcomes.push(await t.handOut(conn, state));
    expect(outcomes.map((o) => o.pinged)).toEqual([true, false, false, false, false]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('once one connection was found dead, vouches for no other: each is pinged', async () => {
    const t = setup();
    const pool = Array.from({ length: 3 }, () => ({ conn: t.connection(0.3), state: t.state() }));
    for (const { state } of pool) state.markUsed();
    t.advance(100);
    t.validator.suspectOthers();
    for (const { conn, state } of pool) expect((await t.handOut(conn, state)).pinged).toBe(true);
    expect(t.validator.validationPings).toBe(3);
  });

  it(`replaces a half-open connection after the ${PING_TIMEOUT_FLOOR_MS} ms floor on a fast pool`, async () => {
    const t = setup();
    const conn = t.connection(undefined);
    const state = t.state();
    state.markUsed();
    t.advance(600);
    const started = performance.now();
    const { ok } = await t.handOut(conn, state);
    expect(ok).toBe(false);
    expect(t.evicted).toEqual(['ping-timeout']);
    expect(performance.now() - started).toBeLessThanOrEqual(PING_TIMEOUT_FLOOR_MS + 10);
  });

  it('on a slow link (every hold takes 300 ms) a 300 ms ping passes; a fixed 250 ms timeout (pingTimeoutMs: 250) evicts it', async () => {
    const run = async (options?: GoneAwayOptions) => {
      const t = setup(options);
      const conn = t.connection(300);
      const state = t.state();
      for (let i = 0; i < 8; i++) {
        expect((await t.handOut(conn, state)).ok).toBe(true);
        t.advance(300);
        state.markUsed();
      }
      t.advance(600);
      const { ok, pinged } = await t.handOut(conn, state);
      return { ok, pinged, evicted: t.evicted };
    };
    expect(await run()).toEqual({ ok: true, pinged: true, evicted: [] });
    expect(await run({ validation: { pingTimeoutMs: 250 } })).toEqual({
      ok: false,
      pinged: true,
      evicted: ['ping-timeout'],
    });
  });

  it('a 400 ms event-loop stall while a ping is in flight evicts nothing', async () => {
    const t = setup();
    const conn = t.connection(1);
    const state = t.state();
    state.markUsed();
    t.advance(600);
    const verdict = t.validator.validate(conn, state);
    expect(verdict).toBeInstanceOf(Promise);
    // Blocked before the answer could be read; Node then runs the timers that came due first.
    vi.advanceTimersByTime(400);
    t.clock.stall(400);
    t.advance(1);
    expect(await verdict).toBe(true);
    expect(t.evicted).toEqual([]);
  });
});
