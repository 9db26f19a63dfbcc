import { once } from 'node:events';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeTimerClock } from './fake-timer-clock.fixture.js';
import { type PingDriver, type PingOutcome, pingWithTimeout } from './ping-with-timeout.js';
import { systemTimerClock, type TimerClock } from './timer-clock.js';

/** A connection with a callback ping and a socket (mysql2's shape), and the driver translating it. */
interface PingableConnection {
  ping(callback: (error?: unknown) => void): void;
  readonly stream: { destroy(): void };
}
const driver: PingDriver<PingableConnection> = {
  ping: (connection, callback) => connection.ping(callback),
  destroy: (connection) => connection.stream.destroy(),
};

/** A connection whose ping is answered when the test says so. */
function fakeConnection() {
  let pending: ((error?: unknown) => void) | undefined;
  const connection = {
    destroyed: false,
    pings: 0,
    ping(callback: (error?: unknown) => void) {
      connection.pings++;
      pending = callback;
    },
    stream: {
      destroy() {
        connection.destroyed = true;
      },
    },
  };
  return { connection, answer: (error?: unknown) => pending?.(error) };
}

/** The control: a plain timer that condemns the ping when it fires (how a fixed timeout is usually written). */
function pingWithPlainTimer(
  connection: PingableConnection,
  timeoutMs: number,
  clock: TimerClock,
): Promise<PingOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = clock.setTimeout(() => {
      if (settled) return;
      settled = true;
      connection.stream.destroy();
      resolve({ ok: false, timedOut: true });
    }, timeoutMs);
    connection.ping((error) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      resolve(error ? { ok: false, timedOut: false, error } : { ok: true, roundTripMs: 0 });
    });
  });
}

/** Settles pending promise callbacks. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function track(promise: Promise<PingOutcome>) {
  const seen: { outcome?: PingOutcome } = {};
  promise.then((outcome) => {
    seen.outcome = outcome;
  });
  return seen;
}

describe('pingWithTimeout', () => {
  it('gives up on a silent connection once the timeout has run on a free event loop, and destroys its socket', async () => {
    const clock = new FakeTimerClock();
    const { connection } = fakeConnection();
    const seen = track(pingWithTimeout(driver, connection, 200, clock));
    clock.advance(199);
    await flush();
    expect(seen.outcome).toBeUndefined();
    clock.advance(1);
    await flush();
    expect(seen.outcome).toEqual({ ok: false, timedOut: true });
    expect(connection.destroyed).toBe(true);
  });

  it('answers with the round trip when the server answers', async () => {
    const clock = new FakeTimerClock();
    const { connection, answer } = fakeConnection();
    const seen = track(pingWithTimeout(driver, connection, 200, clock));
    clock.advance(70);
    answer();
    await flush();
    expect(seen.outcome).toEqual({ ok: true, roundTripMs: 70 });
    expect(connection.destroyed).toBe(false);
  });

  it('a 400 ms stall while the ping is in flight condemns nothing: the answer read after it passes (a plain 250 ms timer evicts)', async () => {
    const clock = new FakeTimerClock();
    const ours = fakeConnection();
    const plain = fakeConnection();
    const seenOurs = track(pingWithTimeout(driver, ours.connection, 250, clock));
    const seenPlain = track(pingWithPlainTimer(plain.connection, 250, clock));
    clock.advance(1);
    // The answers arrive at once but sit unread: the loop is blocked for 400 ms. Node then runs the
    // timers that came due, and only after them reads the sockets.
    clock.stall(400);
    ours.answer();
    plain.answer();
    await flush();
    expect(seenPlain.outcome).toEqual({ ok: false, timedOut: true });
    expect(plain.connection.destroyed).toBe(true);
    expect(seenOurs.outcome).toMatchObject({ ok: true });
    expect(ours.connection.destroyed).toBe(false);
    // The stall is not part of the round trip: it would inflate the next timeouts.
    expect((seenOurs.outcome as { roundTripMs: number }).roundTripMs).toBeLessThanOrEqual(51);
  });

  it('still times out a silent connection after a stall, once the timeout has run outside it', async () => {
    const clock = new FakeTimerClock();
    const { connection } = fakeConnection();
    const seen = track(pingWithTimeout(driver, connection, 200, clock));
    clock.advance(30);
    clock.stall(400);
    clock.advance(100);
    await flush();
    expect(seen.outcome).toBeUndefined();
    clock.advance(100);
    await flush();
    expect(seen.outcome).toEqual({ ok: false, timedOut: true });
  });

  it('reports a ping that failed, or threw, with its error', async () => {
    const clock = new FakeTimerClock();
    const failing = fakeConnection();
    const seen = track(pingWithTimeout(driver, failing.connection, 200, clock));
    const error = new Error('closed');
    failing.answer(error);
    await flush();
    expect(seen.outcome).toEqual({ ok: false, timedOut: false, error });
    const throwing = {
      ping() {
        throw error;
      },
      stream: { destroy: () => undefined },
    };
    expect(await pingWithTimeout(driver, throwing, 200, clock)).toEqual({
      ok: false,
      timedOut: false,
      error,
    });
  });

  it('on the real event loop, a 400 ms busy loop right after the ping is sent evicts nothing (a plain 250 ms timer evicts)', async () => {
    // The server echoes; the reply is in this process's socket buffer long before the busy loop ends.
    const server = createServer((socket) => socket.pipe(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const sockets: Socket[] = [];
    const socketPing = async (): Promise<PingableConnection> => {
      const socket = tcpConnect(port, '127.0.0.1');
      sockets.push(socket);
      await once(socket, 'connect');
      return {
        ping(callback) {
          socket.once('data', () => callback());
          socket.write('ping');
        },
        stream: socket,
      };
    };
    try {
      const ours = await socketPing();
      const plain = await socketPing();
      const pending = [
        pingWithTimeout(driver, ours, 250, systemTimerClock),
        pingWithPlainTimer(plain, 250, systemTimerClock),
      ];
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // The event loop is blocked: a long synchronous task while the pings are in flight.
      }
      const [oursOutcome, plainOutcome] = await Promise.all(pending);
      expect(plainOutcome).toEqual({ ok: false, timedOut: true });
      expect(oursOutcome).toMatchObject({ ok: true });
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
