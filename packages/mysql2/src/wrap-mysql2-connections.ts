import { type GoneAwayOptions, type Policy, parsePolicy } from '@goneaway/core';
import type { PooledConnectionState, PoolRuntime } from '@goneaway/core/adapter';
import type { CorePoolConnection } from './mysql2-internals.js';
import { Mysql2PoolInstance } from './pool-instance.js';
import { adoptionOf, createAdoptedConnection, type Mysql2ModuleLike, wrapMysql2 } from './wrap-mysql2.js';

/**
 * What an adapter gets for the lone connections of one wrapped module: the runtime they share (one
 * event hub, retry engine, reconnect gate and validator) and what goneaway knows of each connection.
 */
export interface LoneConnectionRuntime extends PoolRuntime {
  readonly policy: Policy;
  /** What goneaway knows of a connection the module made: undefined until its limits are read, or when they could not be. */
  stateOf(connection: object): PooledConnectionState | undefined;
  /** Settles once the connection's limits were read, or could not be (then mysql2 reports why on its own). */
  adopted(connection: object): Promise<void>;
  /** The connection can not be used again (an error said so, or its socket is gone). */
  isDead(connection: object): boolean;
}

/**
 * For an adapter whose host library keeps its own pool of lone mysql2 connections (Sequelize's pool
 * of `createConnection` connections): `wrapMysql2(mysql2, options)` whose `createConnection` adopts
 * every connection into one shared runtime (packet guard, typed failures, transaction tracking,
 * limits, events), instead of one runtime per connection. Nothing on a lone connection is run again
 * here: the host library's pool is what hands out another, and the adapter decides when.
 */
export function wrapMysql2Connections<M extends Mysql2ModuleLike>(
  mysql2: M,
  options?: GoneAwayOptions,
): { readonly mysql2: M; readonly runtime: LoneConnectionRuntime } {
  // Checks the module and the options, and keeps mysql2's other exports (and a createPool of its own).
  const wrapped = wrapMysql2(mysql2, options);
  const instance = new Mysql2PoolInstance(parsePolicy(options));
  const createConnection = (config: unknown): unknown =>
    createAdoptedConnection(mysql2, config, instance.policy, instance);
  const runtime: LoneConnectionRuntime = {
    policy: instance.policy,
    hub: instance.hub,
    retry: instance.retry,
    gate: instance.gate,
    validator: instance.validator,
    stateOf: (connection) => instance.states.get(connection as CorePoolConnection),
    adopted: adoptionOf,
    isDead: (connection) => instance.isDead(connection as CorePoolConnection),
  };
  return { mysql2: { ...wrapped, createConnection } as M, runtime };
}
