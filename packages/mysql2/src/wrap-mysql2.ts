import type { EventEmitter } from 'node:events';
import {
  type ClusterPolicy,
  GoneAwayConfigError,
  type GoneAwayOptions,
  type Policy,
  parsePolicy,
} from '@goneaway/core';
import { assertSupportedMysql2 } from './assert-supported-mysql2.js';
import { type CorePoolConnection, corePoolOf } from './mysql2-internals.js';
import { Mysql2PoolInstance } from './pool-instance.js';
import { configFor } from './route-connection-config.js';
import { wrapCorePool } from './wrap-pool.js';
import { clusterRoutingFor } from './writer-routing-for.js';

/** What goneAwayMysql2 needs of `mysql2` or `mysql2/promise`. */
export interface Mysql2ModuleLike {
  createPool(config: never): unknown;
}

/**
 * `goneAwayMysql2(mysql2)` or `goneAwayMysql2(mysql2Promise)`: the same module, whose `createPool(config)`
 * makes pools with goneaway's whole policy, and whose `createConnection(config)` makes a connection
 * with the packet guard and typed errors (a lone connection cannot be replaced, so nothing on it is
 * run again). Every other export (format, escape, types…) is mysql2's own, unchanged.
 */
export function goneAwayMysql2<M extends Mysql2ModuleLike>(mysql2: M, options?: GoneAwayOptions): M {
  if (typeof (mysql2 as Partial<Mysql2ModuleLike> | null | undefined)?.createPool !== 'function') {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'mysql2',
          expected: "the mysql2 module or mysql2/promise (import mysql2 from 'mysql2')",
          received: mysql2 === null ? 'null' : typeof mysql2,
        },
      ],
    });
  }
  assertSupportedMysql2(mysql2);
  const policy = parsePolicy(options);
  const createPool = (config: unknown): unknown => {
    const pool = (mysql2.createPool as (config: unknown) => unknown)(withPoolDefaults(config, policy));
    const core = corePoolOf(pool);
    if (core === undefined) {
      throw new GoneAwayConfigError({
        issues: [
          {
            path: 'mysql2',
            expected: 'a mysql2 ≥ 3.9 module whose createPool returns a mysql2 pool',
            received: 'a createPool that returned something else',
          },
        ],
      });
    }
    const instance = new Mysql2PoolInstance(policy, core);
    if (policy.cluster !== undefined) {
      // One lease on the cluster's shared monitor per pool; pool.end() gives it back. `role: 'reader'`:
      // the pool's connections go to the readers in rotation instead of the writer.
      instance.routeWith(
        clusterRoutingFor(
          createConnectionOf(mysql2),
          config,
          { ...policy, cluster: policy.cluster },
          instance.hub,
        ),
      );
    }
    wrapCorePool(core, instance);
    return pool;
  };
  const createConnection = (config: unknown): unknown =>
    policy.cluster === undefined
      ? createAdoptedConnection(mysql2, config, policy, new Mysql2PoolInstance(policy))
      : createWriterConnection(mysql2, config, policy, policy.cluster);
  return { ...mysql2, createPool, createConnection } as M;
}

function createConnectionOf(mysql2: Mysql2ModuleLike): (config: unknown) => unknown {
  const module = mysql2 as unknown as { createConnection(config: unknown): unknown };
  return (config) => module.createConnection(config);
}

/**
 * A lone connection with the `cluster` option (mysql2/promise only): made once the writer is known
 * (waited for within the outage budget), routed like a pool's connection so that a statement on it
 * after the writer moved is refused before it is sent. Nothing replaces a lone connection: the
 * application opens another. Its lease on the monitor goes back when its socket closes.
 */
function createWriterConnection(
  mysql2: Mysql2ModuleLike,
  config: unknown,
  policy: Policy,
  cluster: ClusterPolicy,
): unknown {
  if (!('PromisePool' in mysql2)) {
    // mysql2's callback createConnection connects at once, to the host in its config: it cannot wait
    // for the writer, and a connection to the wrong host would look fine until its first write.
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'cluster',
          expected:
            "a pool (createPool) or mysql2/promise's createConnection: the callback createConnection connects before the cluster's writer is known",
          received: "the callback mysql2 module's createConnection",
        },
      ],
    });
  }
  const instance = new Mysql2PoolInstance(policy);
  const routing = clusterRoutingFor(createConnectionOf(mysql2), config, { ...policy, cluster }, instance.hub);
  return (async () => {
    try {
      const writer = await routing.target(performance.now() + policy.outageBudgetMs);
      instance.routeWith(routing);
      const routed =
        typeof config === 'string'
          ? { uri: config, host: writer.host, port: writer.port }
          : configFor(config !== null && typeof config === 'object' ? config : {}, writer);
      const connection = await (createAdoptedConnection(mysql2, routed, policy, instance) as Promise<{
        connection: CorePoolConnection;
      }>);
      const socket = connection.connection.stream as unknown as EventEmitter;
      socket.once('close', () => routing.close());
      return connection;
    } catch (error) {
      routing.close();
      throw error;
    }
  })();
}

/** The instance of each connection made by a wrapped createConnection (for stats). */
export const adoptedConnections = new WeakMap<CorePoolConnection, Mysql2PoolInstance>();

/** Each lone connection's adoption (its server limits read, its state set), settled either way. */
const adoptions = new WeakMap<CorePoolConnection, Promise<void>>();

/** Resolves once `connection` (made by a wrapped createConnection) is adopted or could not be; at once for any other. */
export function adoptionOf(connection: object): Promise<void> {
  return adoptions.get(connection as CorePoolConnection) ?? Promise.resolve();
}

/**
 * mysql2's createConnection(config) with goneaway's defaults, the connection adopted by `instance`
 * (packet guard, typed failures, limits): its own for wrapMysql2, one shared by every connection of
 * the module for wrapMysql2Connections.
 */
export function createAdoptedConnection(
  mysql2: Mysql2ModuleLike,
  config: unknown,
  policy: Policy,
  instance: Mysql2PoolInstance,
): unknown {
  const made = (mysql2 as unknown as { createConnection(config: unknown): unknown }).createConnection(
    withPoolDefaults(config, policy),
  );
  if (isThenable(made)) {
    // mysql2/promise: resolves once connected; the limits are read before the connection is handed over.
    return made.then(async (promiseConnection) => {
      const core = (promiseConnection as { connection: CorePoolConnection }).connection;
      await instance.adopt(core);
      adoptedConnections.set(core, instance);
      return promiseConnection;
    });
  }
  const core = made as CorePoolConnection;
  adoptedConnections.set(core, instance);
  // Connect failures reach the application through mysql2's own callbacks and events.
  adoptions.set(
    core,
    instance.adopt(core, handshakeOf(core)).catch(() => undefined),
  );
  return made;
}

/**
 * Settles when a new callback connection's handshake does: mysql2 emits 'connect', or 'error' when
 * nothing is queued behind the handshake. The one-time error listener also keeps a failed connect
 * from throwing for an application that listens to nothing (as the limits query queued behind the
 * handshake used to, by taking the error itself).
 */
function handshakeOf(connection: CorePoolConnection): Promise<void> {
  const events = connection as unknown as EventEmitter;
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      events.off('error', onError);
      resolve();
    };
    const onError = (error: unknown) => {
      events.off('connect', onConnect);
      reject(error);
    };
    events.once('connect', onConnect);
    events.once('error', onError);
  });
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * mysql2's connect has no timeout worth having by default for a blackholed host, and TCP keepalive
 * starts at once: give both goneaway's values unless the user set them. A URL string is mysql2's to parse.
 */
function withPoolDefaults(config: unknown, policy: Policy): unknown {
  if (config === null || typeof config !== 'object') return config;
  const record = config as Record<string, unknown>;
  const defaults: Record<string, unknown> = {};
  if (record.connectTimeout === undefined) defaults.connectTimeout = policy.connectTimeoutMs;
  if (policy.keepAliveInitialDelayMs !== false && record.keepAliveInitialDelay === undefined) {
    defaults.enableKeepAlive = record.enableKeepAlive ?? true;
    defaults.keepAliveInitialDelay = policy.keepAliveInitialDelayMs;
  }
  return { ...record, ...defaults };
}

/** @deprecated use goneAwayMysql2 (the same function: every package's entry point is named `goneAway<Library>`). */
export const wrapMysql2: typeof goneAwayMysql2 = goneAwayMysql2;
