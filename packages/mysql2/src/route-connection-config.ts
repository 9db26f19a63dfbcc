import type { ClusterHost } from '@goneaway/core';
import type { CorePool, Mysql2ConnectionConfig } from './mysql2-internals.js';

/**
 * A copy of a mysql2 connection config (or of the options a pool was made from) that connects to
 * `host`: every own property kept, a password held non-enumerable or as a getter included, the
 * prototype too (a copy of mysql2's ConnectionConfig is still one), `overrides` set on top, and the
 * socket path dropped (mysql2 would take it over host and port).
 */
export function configFor<T extends object>(
  source: T,
  host: ClusterHost,
  overrides: Record<string, unknown> = {},
): T {
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(source);
  for (const [key, value] of Object.entries({ ...overrides, host: host.host, port: host.port })) {
    descriptors[key] = { value, enumerable: true, writable: true, configurable: true };
  }
  delete descriptors.socketPath;
  return Object.create(Object.getPrototypeOf(source) as object | null, descriptors) as T;
}

/**
 * Points the connections a mysql2 pool makes from now on at `writer`. The pool's config is replaced,
 * not changed in place: older mysql2 versions hand every PoolConnection the pool's own config object
 * (later ones a copy of it), and a connection to the old writer must keep saying where it went
 * (`hostOf`), so that it is swept. mysql2's getConnection reads the config synchronously when it
 * makes a connection, so the caller makes one right after this, with no await between.
 */
export function routeConnectionConfig(core: CorePool, writer: ClusterHost): void {
  const poolConfig = core.config as { connectionConfig?: Mysql2ConnectionConfig };
  const current = poolConfig.connectionConfig;
  if (current === undefined) return;
  if (current.host === writer.host && current.port === writer.port && current.socketPath === undefined)
    return;
  poolConfig.connectionConfig = configFor(current, writer);
}
