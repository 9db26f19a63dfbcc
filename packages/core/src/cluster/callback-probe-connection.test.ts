import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CONNECT_PHASE, CONNECT_TARGET } from '../classification/connect-phase.js';
import { connectProbe, probeConnectionOver } from './callback-probe-connection.js';

/** mysql2's callback connection, as far as a probe uses it. */
class FakeConnection extends EventEmitter {
  destroyed = 0;
  streamDestroyed = 0;
  readonly queries: Array<{ sql: string; timeout: number }> = [];
  connectCallback: ((error: unknown) => void) | undefined;
  readonly stream = {
    destroy: () => {
      this.streamDestroyed += 1;
    },
  };
  connect(callback: (error: unknown) => void) {
    this.connectCallback = callback;
  }
  query(
    options: { sql: string; timeout: number },
    _values: readonly unknown[],
    callback: (error: unknown, rows: unknown) => void,
  ) {
    this.queries.push(options);
    if (options.sql === 'fail') callback(new Error('boom'), undefined);
    else callback(null, [{ one: 1 }]);
  }
  destroy() {
    this.destroyed += 1;
  }
}

const host = { host: '::1', port: 3307 };

describe('connectProbe', () => {
  it('resolves a probe connection whose queries carry the timeout and whose destroy ends the connection and its socket', async () => {
    const fake = new FakeConnection();
    const pending = connectProbe(fake, host, new AbortController().signal, 800);
    fake.connectCallback?.(null);
    const probe = await pending;
    expect(await probe.query('select 1')).toEqual([{ one: 1 }]);
    expect(fake.queries).toEqual([{ sql: 'select 1', timeout: 800 }]);
    await expect(probe.query('fail')).rejects.toThrow('boom');
    // Errors with nothing pending are listened to (an unheard 'error' would throw).
    expect(() => fake.emit('error', new Error('late'))).not.toThrow();
    probe.destroy();
    expect([fake.destroyed, fake.streamDestroyed]).toEqual([1, 1]);
  });

  it('a failed connect: destroyed, and rejected as a connect to the host (bracketed IPv6)', async () => {
    const fake = new FakeConnection();
    const pending = connectProbe(fake, host, new AbortController().signal, 800);
    fake.connectCallback?.(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    const error = (await pending.catch((caught: unknown) => caught)) as Record<symbol, unknown>;
    expect(error[CONNECT_PHASE]).toBe(true);
    expect(error[CONNECT_TARGET]).toBe('[::1]:3307');
    expect([fake.destroyed, fake.streamDestroyed]).toEqual([1, 1]);
  });

  it('aborted while connecting (the probe timed out): the socket is destroyed at once', () => {
    const fake = new FakeConnection();
    const controller = new AbortController();
    void connectProbe(fake, host, controller.signal, 800).catch(() => undefined);
    controller.abort(new Error('probe timed out'));
    expect([fake.destroyed, fake.streamDestroyed]).toEqual([1, 1]);
  });
});

describe('probeConnectionOver', () => {
  it('wraps a connected connection (mysql2/promise hands one over connected)', async () => {
    const fake = new FakeConnection();
    const probe = probeConnectionOver(fake, 500);
    expect(await probe.query('select 1')).toEqual([{ one: 1 }]);
    expect(fake.queries[0]?.timeout).toBe(500);
  });
});
