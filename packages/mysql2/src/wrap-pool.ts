import type { CorePool, CorePoolConnection } from './mysql2-internals.js';
import { parseCall } from './parse-call.js';
import type { CallKind, Mysql2PoolInstance } from './pool-instance.js';

const instances = new WeakMap<CorePool, Mysql2PoolInstance>();

export function instanceOfCorePool(core: CorePool): Mysql2PoolInstance | undefined {
  return instances.get(core);
}

/**
 * Gives a mysql2 core pool goneaway's policy by replacing four of its methods on the instance. A
 * promise pool (mysql2/promise, or `.promise()`) calls these same methods of its core pool, so it
 * gets the policy too, and a connection keeps its identity: it is mysql2's own PoolConnection.
 */
export function wrapCorePool(core: CorePool, instance: Mysql2PoolInstance): void {
  instances.set(core, instance);
  const proto = Object.getPrototypeOf(core) as CorePool;

  const pooled = (kind: CallKind) =>
    function (this: unknown, ...args: unknown[]): unknown {
      const call = parseCall(args);
      const callback = call.callback;
      // Event and stream mode keep mysql2's own path (its acquire is still goneaway's getConnection).
      // A closed pool answers with mysql2's own "Pool is closed." error.
      if (callback === undefined || call.command || core._closed) return proto[kind].apply(core, args);
      instance.runPooled(core, kind, call, callback);
      return undefined;
    };

  Object.assign(core, {
    query: pooled('query'),
    execute: pooled('execute'),
    getConnection: (callback: (error: unknown, connection?: CorePoolConnection) => void) => {
      if (core._closed) return proto.getConnection.call(core, callback);
      instance.getConnectionCallback(core, callback);
    },
    end: (callback?: (error?: unknown) => void) => {
      // Calls still waiting out an outage end now instead of holding the process open, and so do
      // connects still in flight.
      instance.destroy();
      instance.dropPendingConnects(core);
      return proto.end.call(core, callback);
    },
  });
}
