import { isReadOnlyStatement } from '@goneaway/core';
import type { CorePool, CorePoolConnection, Mysql2Callback } from './mysql2-internals.js';
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
      const sql = call.sql;
      // Decided only after a failure: the happy path does not scan the SQL.
      const statement = {
        get safety(): 'read' | 'write' {
          return sql !== undefined && isReadOnlyStatement(sql) ? 'read' : 'write';
        },
        sql,
      };
      instance.retry
        .execute(
          async (context) => {
            const connection = await instance.acquire(core, context.signal, context.deadline);
            return runOnce(instance, connection, kind, call.head);
          },
          { statement, gatedConnects: true },
        )
        .then(
          ([rows, fields]) => process.nextTick(callback, null, rows, fields),
          (error: unknown) => process.nextTick(callback, error),
        );
      return undefined;
    };

  Object.assign(core, {
    query: pooled('query'),
    execute: pooled('execute'),
    getConnection: (callback: (error: unknown, connection?: CorePoolConnection) => void) => {
      if (core._closed) return proto.getConnection.call(core, callback);
      instance.getConnection(core).then(
        (connection) => process.nextTick(callback, null, connection),
        (error: unknown) => process.nextTick(callback, error),
      );
    },
    end: (callback?: (error?: unknown) => void) => {
      // Calls still waiting out an outage end now instead of holding the process open.
      instance.destroy();
      return proto.end.call(core, callback);
    },
  });
}

function runOnce(
  instance: Mysql2PoolInstance,
  connection: CorePoolConnection,
  kind: CallKind,
  head: readonly unknown[],
): Promise<[unknown, unknown]> {
  return new Promise((resolve, reject) => {
    const done: Mysql2Callback = (error, rows, fields) => {
      if (instance.isDead(connection)) connection.destroy();
      else connection.release();
      if (error) reject(error);
      else resolve([rows, fields]);
    };
    try {
      instance.call(connection, kind, [...head, done], false);
    } catch (error) {
      // mysql2 throws synchronously for bad bind values (undefined, functions).
      connection.release();
      reject(error);
    }
  });
}
