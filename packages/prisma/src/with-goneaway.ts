import { GoneAwayConfigError, type GoneAwayOptions, parsePolicy } from '@goneaway/core';
import { unsupportedClusterError } from '@goneaway/core/adapter';
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { assertSupportedPrisma } from './assert-supported-prisma.js';
import { BoundedAdapterConnect } from './bounded-adapter-connect.js';
import { isMariadbPool } from './mariadb-shapes.js';
import { PrismaGoneawayInstance, rethrowForPrisma } from './pool-instance.js';

/** The instance behind each factory goneAwayPrisma() returned (for stats and subscribeTo). */
export const instances = new WeakMap<object, PrismaGoneawayInstance>();

/**
 * `new PrismaClient({ adapter: goneAwayPrisma(new PrismaMariaDb(config)) })`: a driver adapter factory
 * whose adapters run every statement under goneaway's policy. Reads whose connection died run again;
 * writes run again only when nothing reached the server; statements inside a transaction are never run
 * again but fail typed (`GONEAWAY_TRANSACTION_LOST`); a statement larger than the server's
 * max_allowed_packet is refused before sending; connections are validated before use and an outage
 * is waited out inside the budget. The adapter is `@prisma/adapter-mariadb`'s own, unchanged: the
 * policy is applied to the mariadb pool it runs on.
 */
export function goneAwayPrisma<F extends SqlDriverAdapterFactory>(
  adapterFactory: F,
  options?: GoneAwayOptions,
): SqlDriverAdapterFactory {
  const factory = adapterFactory as Partial<SqlDriverAdapterFactory> | null | undefined;
  if (typeof factory?.connect !== 'function') {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'adapterFactory',
          expected: 'a @prisma/adapter-mariadb factory (new PrismaMariaDb(config)) with a connect() method',
          received: factory === null ? 'null' : typeof factory,
        },
      ],
    });
  }
  assertSupportedPrisma();
  const policy = parsePolicy(options);
  if (policy.cluster !== undefined)
    throw unsupportedClusterError('@goneaway/prisma', policy.cluster.hosts.length);
  const instance = new PrismaGoneawayInstance(policy);
  const connector = new BoundedAdapterConnect(() => adapterFactory.connect(), policy.outageBudgetMs);
  const wrapped: SqlDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: async (): Promise<SqlDriverAdapter> => {
      const adapter = await connector.connect().catch(rethrowForPrisma);
      const pool = (adapter as { underlyingDriver?: () => unknown }).underlyingDriver?.();
      if (!isMariadbPool(pool)) {
        await adapter.dispose().catch(() => undefined);
        throw new GoneAwayConfigError({
          issues: [
            {
              path: 'adapterFactory',
              expected: "@prisma/adapter-mariadb's PrismaMariaDb (its adapter runs on a mariadb pool)",
              received: `an adapter (${String(adapterFactory.adapterName)}) whose underlyingDriver() is not a mariadb pool`,
            },
          ],
        });
      }
      instance.wrapPool(pool);
      // dispose() is the adapter's own: mariadb's pool.end() answers the calls still waiting on it
      // ('pool is ending'), and the instance stays usable: Prisma connects again after $disconnect().
      return adapter;
    },
  };
  instances.set(wrapped, instance);
  return wrapped;
}

/** @deprecated use goneAwayPrisma (the same function: every package's entry point is named `goneAway<Library>`). */
export const withGoneaway: typeof goneAwayPrisma = goneAwayPrisma;
