import { describe, expect, it } from 'vitest';
import { ConnectsInFlight, type Mysql2Driver } from './connects-in-flight.js';
import type { Mysql2Connection } from './knex-internals.js';

/** A connection as mysql2 makes it, with what destroySocket touches recorded. */
function fakeConnection() {
  const calls: string[] = [];
  const connection = {
    _fatalError: null as unknown,
    _closing: false,
    stream: {
      destroyed: false,
      destroy() {
        calls.push('stream.destroy');
        this.destroyed = true;
      },
    },
    destroy() {
      calls.push('destroy');
      connection._closing = true;
    },
  };
  return { connection: connection as unknown as Mysql2Connection, calls };
}

function fakeDriver() {
  const made: Array<ReturnType<typeof fakeConnection>> = [];
  const driver: Mysql2Driver & { escape(): string } = {
    createConnection: () => {
      const made1 = fakeConnection();
      made.push(made1);
      return made1.connection;
    },
    escape: () => 'kept',
  };
  return { driver, made };
}

describe('ConnectsInFlight', () => {
  it("keeps the driver's other members and records each connection it makes", () => {
    const connects = new ConnectsInFlight();
    const { driver } = fakeDriver();
    const tracked = connects.track(driver);
    expect(tracked.escape()).toBe('kept');
    tracked.createConnection();
    expect(connects.size).toBe(1);
  });

  it('abortAll rejects the connects still waiting and closes their sockets', async () => {
    const connects = new ConnectsInFlight();
    const { driver, made } = fakeDriver();
    const tracked = connects.track(driver);
    tracked.createConnection();
    const waiting = connects.run(new Promise<Mysql2Connection>(() => undefined));
    connects.abortAll();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(made[0]?.calls).toEqual(['destroy', 'stream.destroy']);
    expect(connects.size).toBe(0);
  });

  it('a connection that arrives after abortAll is destroyed, not handed out', async () => {
    const connects = new ConnectsInFlight();
    const late = fakeConnection();
    let arrive: (connection: Mysql2Connection) => void = () => undefined;
    const waiting = connects.run(new Promise<Mysql2Connection>((resolve) => (arrive = resolve)));
    connects.abortAll();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    arrive(late.connection);
    await new Promise((resolve) => setImmediate(resolve));
    expect(late.calls).toEqual(['destroy', 'stream.destroy']);
  });

  it('settled connects leave the set: the one handed out and any that failed', async () => {
    const connects = new ConnectsInFlight();
    const { driver, made } = fakeDriver();
    const tracked = connects.track(driver);
    const ok = tracked.createConnection();
    tracked.createConnection();
    (made[1]?.connection as { _fatalError: unknown })._fatalError = new Error('ETIMEDOUT');
    await expect(connects.run(Promise.resolve(ok))).resolves.toBe(ok);
    expect(connects.size).toBe(0);
    expect(made[0]?.calls).toEqual([]);
  });
});
