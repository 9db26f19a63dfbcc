import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { mariadbProbeConnector } from './mariadb-probe-connector.js';

/** mariadb's Connection behind its promise wrapper, with a query running (a probe that timed out). */
class RawConnection extends EventEmitter {
  readonly socket = { destroyed: false, destroyedWith: undefined as unknown, destroy: vi.fn() };
  constructor() {
    super();
    this.socket.destroy.mockImplementation((error: unknown) => {
      this.socket.destroyed = true;
      this.socket.destroyedWith = error;
    });
  }
  activeReceiveCmd() {
    return { onPacketReceive: () => undefined };
  }
}

function promiseConnectionOver(raw: RawConnection) {
  return {
    on: (event: string, listener: (...args: unknown[]) => void) => raw.on(event, listener),
    off: (event: string, listener: (...args: unknown[]) => void) => raw.off(event, listener),
    query: vi.fn(() => new Promise(() => undefined)),
    destroy: vi.fn(),
  };
}

describe('mariadbProbeConnector', () => {
  it("destroys a probe connection whose query is still running by its socket, never through mariadb's KILL-on-destroy", async () => {
    const raw = new RawConnection();
    const connection = promiseConnectionOver(raw);
    const connect = mariadbProbeConnector({ user: 'u' }, 500, () => async () => connection);
    const probe = await connect({ host: '127.0.0.1', port: 3306 }, new AbortController().signal);
    void probe.query('SELECT 1');
    probe.destroy();
    expect(connection.destroy).not.toHaveBeenCalled();
    expect(raw.socket.destroyed).toBe(true);
    expect(raw.socket.destroyedWith).toMatchObject({ errno: 45009 });
  });

  it('a connection made after the probe was aborted is destroyed at once and the abort reason thrown', async () => {
    const raw = new RawConnection();
    const connection = promiseConnectionOver(raw);
    const controller = new AbortController();
    controller.abort(new Error('probe timed out'));
    const connect = mariadbProbeConnector({ user: 'u' }, 500, () => async () => connection);
    await expect(connect({ host: '127.0.0.1', port: 3306 }, controller.signal)).rejects.toThrow(
      'probe timed out',
    );
    expect(raw.socket.destroyed || connection.destroy.mock.calls.length > 0).toBe(true);
  });
});
