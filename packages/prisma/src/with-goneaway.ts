import { GoneAwayConfigError, type GoneAwayOptions, parsePolicy } from '@goneaway/core';
import { configErrorAt } from '@goneaway/core/adapter';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { assertSupportedPrisma } from './assert-supported-prisma.js';
import { BoundedAdapterConnect } from './bounded-adapter-connect.js';
import { isMariadbPool } from './mariadb-shapes.js';
import { PrismaGoneawayInstance, rethrowForPrisma } from './pool-instance.js';
import { RoutedStream } from './routed-stream.js';

/** The instance behind each factory goneAwayPrisma() returned (for stats and subscribeTo). */
export const instances = new WeakMap<object, PrismaGoneawayInstance>();

/**
 * The mariadb pool settings `new PrismaMariaDb(settings)` takes (host, user, password, database,
 * connectionLimit, TLS…), as an object: what goneAwayPrisma needs, instead of a factory, to follow a
 * cluster's writer (a factory keeps its settings private).
 */
export type PrismaMariaDbSettings = Exclude<
  ConstructorParameters<typeof PrismaMariaDb>[0],
  string | { getConnection: unknown }
>;

/** `@prisma/adapter-mariadb`'s own options (database, useTextProtocol, onConnectionError…). */
export type PrismaMariaDbOptions = NonNullable<ConstructorParameters<typeof PrismaMariaDb>[1]>;

/**
 * `new PrismaClient({ adapter: goneAwayPrisma(new PrismaMariaDb(config)) })`: a driver adapter factory
 * whose adapters run every statement under goneaway's policy. Reads whose connection died run again;
 * writes run again only when nothing reached the server; statements inside a transaction are never run
 * again but fail typed (`GONEAWAY_TRANSACTION_LOST`); a statement larger than the server's
 * max_allowed_packet is refused before sending; connections are validated before use and an outage
 * is waited out inside the budget. The adapter is `@prisma/adapter-mariadb`'s own, unchanged: the
 * policy is applied to the mariadb pool it runs on.
 *
 * `goneAwayPrisma(settings, { cluster }, adapterOptions?)`: the same, made from the mariadb settings
 * (`new PrismaMariaDb(settings, adapterOptions)` by goneaway), so that new connections go to the
 * cluster's writer, or with `role: 'reader'` to its readers (see RoutedStream), and the monitor's
 * probes connect with the same credentials.
 */
export function goneAwayPrisma(
  settings: PrismaMariaDbSettings,
  options?: GoneAwayOptions,
  adapterOptions?: PrismaMariaDbOptions,
): SqlDriverAdapterFactory;
export function goneAwayPrisma<F extends SqlDriverAdapterFactory>(
  adapterFactory: F,
  options?: GoneAwayOptions,
): SqlDriverAdapterFactory;
export function goneAwayPrisma(
  factoryOrSettings: SqlDriverAdapterFactory | PrismaMariaDbSettings,
  options?: GoneAwayOptions,
  adapterOptions?: PrismaMariaDbOptions,
): SqlDriverAdapterFactory {
  const given = factoryOrSettings as Partial<SqlDriverAdapterFactory> | null | undefined;
  const isFactory = typeof given?.connect === 'function';
  if (!isFactory && !isSettingsObject(given)) {
    throw new GoneAwayConfigError({
      issues: [
        {
          path: 'adapterFactory',
          expected:
            'a @prisma/adapter-mariadb factory (new PrismaMariaDb(config)) with a connect() method, or the mariadb settings object',
          received:
            given === null
              ? 'null'
              : typeof given === 'object'
                ? `an object that is neither (${'provider' in given || 'adapterName' in given ? 'a factory without connect()' : 'not a plain object'})`
                : typeof given,
        },
      ],
    });
  }
  assertSupportedPrisma();
  const policy = parsePolicy(options);
  if (policy.cluster !== undefined && isFactory) {
    throw configErrorAt(
      'cluster',
      "the mariadb settings as goneAwayPrisma's first argument, goneAwayPrisma({ user, password, database, … }, { cluster }), instead of a PrismaMariaDb factory: a factory keeps its settings private, and following a cluster's writer needs them (to connect each new connection to the writer, and to probe every host)",
      'a PrismaMariaDb factory',
    );
  }
  const cluster = policy.cluster;
  if (cluster?.flavor === 'replication' && cluster.readYourWrites) {
    // Never silently ignored: a writer could not record its commits' GTIDs, so readers would not wait.
    throw configErrorAt(
      'cluster.readYourWrites',
      "false with flavor 'replication' on Prisma: the mariadb connector reads the OK packet's session-tracked last_gtid but does not expose it, so a writer cannot record its commits' GTIDs for readers to wait for (Galera's readYourWrites, wsrep_sync_wait, works; or read from the writer where a read must see a write)",
      'true',
    );
  }
  const settings = isFactory ? undefined : (factoryOrSettings as PrismaMariaDbSettings);
  if (cluster !== undefined && settings !== undefined) assertRoutableSettings(settings);
  const routed =
    cluster === undefined || settings === undefined
      ? undefined
      : new RoutedStream(cluster, policy.role, settings as Readonly<Record<string, unknown>>);
  const instance = new PrismaGoneawayInstance(policy, routed);
  const adapterFactory: SqlDriverAdapterFactory =
    settings === undefined
      ? (factoryOrSettings as SqlDriverAdapterFactory)
      : new PrismaMariaDb(
          routed === undefined ? settings : { ...settings, stream: routed.option },
          adapterOptions,
        );
  const connector = new BoundedAdapterConnect(async () => {
    // The factory's connect runs a first statement on its new pool: it goes to the routing's target too.
    await instance.route(performance.now() + policy.outageBudgetMs);
    return adapterFactory.connect();
  }, policy.outageBudgetMs);
  const wrapped: SqlDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: async (): Promise<SqlDriverAdapter> => {
      const adapter = await connector.connect().catch((error: unknown) => {
        // No adapter and no open pool: nothing follows the cluster, so the monitor's lease goes back.
        if (instance.openPool() === undefined) instance.unroute();
        return rethrowForPrisma(error);
      });
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
      if (routed === undefined) return adapter;
      // dispose() is the adapter's own (mariadb's pool.end() answers the calls still waiting on it);
      // with a cluster, the lease on the shared monitor goes back with it (connect() takes a new one).
      const dispose = adapter.dispose.bind(adapter);
      return Object.assign(adapter, {
        dispose: async () => {
          try {
            await dispose();
          } finally {
            instance.unroute();
          }
        },
      });
    },
  };
  instances.set(wrapped, instance);
  return wrapped;
}

/** A plain object (mariadb's settings), not a factory missing its connect(). */
function isSettingsObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return (
    (prototype === Object.prototype || prototype === null) && !('provider' in value || 'adapterName' in value)
  );
}

/** With a cluster, goneaway makes every socket itself: a socket path or a stream of the application's would go elsewhere. */
function assertRoutableSettings(settings: PrismaMariaDbSettings): void {
  for (const key of ['stream', 'socketPath'] as const) {
    if ((settings as Record<string, unknown>)[key] !== undefined) {
      throw configErrorAt(
        `adapterFactory.${key}`,
        `no ${key} with the cluster option: each new connection goes to the host the cluster routing chooses, over TCP`,
        `a ${key}`,
      );
    }
  }
}

/** @deprecated use goneAwayPrisma (the same function: every package's entry point is named `goneAway<Library>`). */
export const withGoneaway: typeof goneAwayPrisma = goneAwayPrisma;
