import type { Socket } from 'node:net';
import type { MariadbConnection } from './mariadb-shapes.js';

/**
 * What goneaway reads of the mariadb Connection (3.x) behind a pooled ConnectionPromise, which keeps
 * it in a private field. Every member is checked before use: another mariadb version falls back to the
 * public API.
 */
export interface RawMariadbConnection {
  /** The connection's own copy of its settings: the object mariadb calls the `stream` option on. */
  readonly opts?: unknown;
  readonly socket?: Socket;
  /** The command the server is answering, if any (mariadb's own test before it KILLs on destroy). */
  activeReceiveCmd?(): unknown;
}

/**
 * The Connection behind a ConnectionPromise: the wrapper passes `on` through, and an EventEmitter
 * calls a `newListener` listener with `this` set to itself. Undefined for an object without `on`/`off`.
 */
export function rawConnectionOf(connection: MariadbConnection): RawMariadbConnection | undefined {
  const emitter = connection as unknown as {
    on?: (event: string, listener: (...args: unknown[]) => void) => unknown;
    off?: (event: string, listener: (...args: unknown[]) => void) => unknown;
  };
  if (typeof emitter.on !== 'function' || typeof emitter.off !== 'function') return undefined;
  let raw: RawMariadbConnection | undefined;
  const grab = function (this: unknown) {
    if (typeof this === 'object' && this !== null) raw = this as RawMariadbConnection;
  };
  const nothing = () => undefined;
  emitter.on('newListener', grab);
  emitter.on('goneaway:raw-connection', nothing);
  emitter.off('goneaway:raw-connection', nothing);
  emitter.off('newListener', grab);
  return raw;
}

/**
 * Ends a mariadb connection now, for the pool and for any statement on it, without the connection
 * mariadb's `destroy()` opens when a statement is running. That one (mariadb 3.x) connects again
 * with the connection's settings to run `KILL <thread id>`, and:
 * - through a routed pool's `stream` option it went to the cluster's writer of the moment, not the
 *   server the statement runs on: a KILL of whatever session has that id there;
 * - a KILL that fails (the node left the cluster, the thread id is unknown) rejects a promise mariadb
 *   holds nowhere: an unhandled rejection, which ends a Node process by default;
 * - when it cannot connect (a blackholed host) mariadb queues a COM_QUIT behind the running statement,
 *   so that statement waits on a socket nothing will ever answer.
 * Instead, with a statement running the socket is destroyed with the error a lost connection gives
 * (45009, "the statement may have run"): mariadb fails that statement and every queued one with it
 * and tells the pool, which forgets the connection, as for any lost connection. The server ends the
 * session when it sees the socket closed, as it does for every other adapter's destroyed connection.
 * Without a statement running, mariadb's own destroy() (no KILL) is used.
 */
export function destroyMariadbConnection(connection: MariadbConnection): void {
  const raw = rawConnectionOf(connection);
  const socket = raw?.socket;
  if (
    socket !== undefined &&
    !socket.destroyed &&
    typeof socket.destroy === 'function' &&
    typeof raw?.activeReceiveCmd === 'function' &&
    raw.activeReceiveCmd() !== undefined
  ) {
    socket.destroy(destroyedUnderStatementError());
    return;
  }
  connection.destroy();
}

function destroyedUnderStatementError(): Error {
  return Object.assign(
    new Error('socket closed by goneaway while a statement was running: the statement may have run'),
    { code: 'ER_SOCKET_UNEXPECTED_CLOSE', errno: 45009, sqlState: '08S01', fatal: true },
  );
}
