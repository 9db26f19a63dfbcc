import { type GoneAwayOptions, type Policy, parsePolicy } from '@goneaway/core';
import type { ConnectionPipeline } from '@goneaway/core/adapter';
import type { Mysql2Statement } from './mysql2-connection-driver.js';
import type { CorePoolConnection } from './mysql2-internals.js';
import { type LoneConnectionRetirement, Mysql2PoolInstance } from './pool-instance.js';
import { adoptionOf, createAdoptedConnection, type Mysql2ModuleLike, wrapMysql2 } from './wrap-mysql2.js';

export type { LoneConnectionRetirement } from './pool-instance.js';

/**
 * What an adapter gets for the lone connections of one wrapped module: the one pipeline they share
 * (event hub, retry engine, reconnect gate, hand-out checks, idle retirement) and their adoption.
 */
export interface LoneConnectionRuntime {
  readonly policy: Policy;
  readonly pipeline: ConnectionPipeline<CorePoolConnection, Mysql2Statement>;
  /** Settles once the connection's limits were read, or could not be (then mysql2 reports why on its own). */
  adopted(connection: object): Promise<void>;
}

/**
 * For an adapter whose host library keeps its own pool of lone mysql2 connections (Sequelize's pool
 * of `createConnection` connections): `wrapMysql2(mysql2, options)` whose `createConnection` adopts
 * every connection into one shared pipeline (packet guard, typed failures, transaction tracking,
 * limits, events), instead of one per connection. `retirement`: how the host library's pool gives up
 * an idle connection, for goneaway to retire it before the server's wait_timeout. Nothing on a lone
 * connection is run again here: the host library's pool is what hands out another.
 */
export function wrapMysql2Connections<M extends Mysql2ModuleLike>(
  mysql2: M,
  options?: GoneAwayOptions,
  retirement?: LoneConnectionRetirement,
): { readonly mysql2: M; readonly runtime: LoneConnectionRuntime } {
  // Checks the module and the options, and keeps mysql2's other exports (and a createPool of its own).
  const wrapped = wrapMysql2(mysql2, options);
  const instance = new Mysql2PoolInstance(parsePolicy(options), undefined, retirement);
  const createConnection = (config: unknown): unknown =>
    createAdoptedConnection(mysql2, config, instance.policy, instance);
  const runtime: LoneConnectionRuntime = {
    policy: instance.policy,
    pipeline: instance.pipeline,
    adopted: adoptionOf,
  };
  return { mysql2: { ...wrapped, createConnection } as M, runtime };
}
