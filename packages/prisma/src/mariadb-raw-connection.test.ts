import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { destroyMariadbConnection, rawConnectionOf } from './mariadb-raw-connection.js';
import type { MariadbConnection } from './mariadb-shapes.js';

/** A mariadb ConnectionPromise's shape: `on`/`off` passed through to the Connection it keeps private. */
function wrapperOf(inner: EventEmitter, destroy = vi.fn()): MariadbConnection {
  return {
    on: (event: string, listener: (...args: unknown[]) => void) => inner.on(event, listener),
    off: (event: string, listener: (...args: unknown[]) => void) => inner.off(event, listener),
    destroy,
  } as unknown as MariadbConnection;
}

class FakeSocket {
  destroyed = false;
  destroyedWith: unknown;
  destroy(error?: unknown) {
    this.destroyed = true;
    this.destroyedWith = error;
  }
}

class InnerConnection extends EventEmitter {
  readonly opts = { connectTimeout: 1000 };
  constructor(
    readonly socket: FakeSocket,
    private readonly active: unknown,
  ) {
    super();
  }
  activeReceiveCmd() {
    return this.active;
  }
}

describe('rawConnectionOf', () => {
  it('reaches the Connection behind a wrapper that only passes `on`/`off` through, and leaves no listener behind', () => {
    const inner = new InnerConnection(new FakeSocket(), undefined);
    expect(rawConnectionOf(wrapperOf(inner))).toBe(inner);
    expect(inner.eventNames()).toEqual([]);
  });

  it('is undefined for an object without `on`', () => {
    expect(rawConnectionOf({} as MariadbConnection)).toBeUndefined();
  });
});

describe('destroyMariadbConnection', () => {
  it("with a statement running: destroys the socket with a lost connection's error (45009, may have run), never mariadb's destroy() and its KILL connection", () => {
    const socket = new FakeSocket();
    const destroy = vi.fn();
    destroyMariadbConnection(wrapperOf(new InnerConnection(socket, { onPacketReceive: () => {} }), destroy));
    expect(destroy).not.toHaveBeenCalled();
    expect(socket.destroyed).toBe(true);
    expect(socket.destroyedWith).toMatchObject({
      errno: 45009,
      code: 'ER_SOCKET_UNEXPECTED_CLOSE',
      fatal: true,
    });
    expect(String((socket.destroyedWith as Error).message)).toContain('may have run');
  });

  it("idle: mariadb's own destroy() (no KILL is sent for an idle connection)", () => {
    const socket = new FakeSocket();
    const destroy = vi.fn();
    destroyMariadbConnection(wrapperOf(new InnerConnection(socket, undefined), destroy));
    expect(destroy).toHaveBeenCalledOnce();
    expect(socket.destroyed).toBe(false);
  });

  it("another mariadb's shape (no activeReceiveCmd, no reachable Connection): its public destroy()", () => {
    const destroy = vi.fn();
    const plain = new EventEmitter();
    destroyMariadbConnection(wrapperOf(plain, destroy));
    destroyMariadbConnection({ destroy } as unknown as MariadbConnection);
    expect(destroy).toHaveBeenCalledTimes(2);
  });
});
