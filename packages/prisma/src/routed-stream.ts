import { connect, type Socket } from 'node:net';
import type { ClusterHost, ClusterPolicy } from '@goneaway/core';
import {
  type ClusterMonitorRegistry,
  type ClusterRole,
  type ClusterRouting,
  createClusterRouting,
  type EventHub,
  hostKey,
  sharedClusterMonitors,
} from '@goneaway/core/adapter';
import { mariadbProbeConnector } from './mariadb-probe-connector.js';
import { rawConnectionOf } from './mariadb-raw-connection.js';
import type { MariadbConnection } from './mariadb-shapes.js';

/**
 * Set on each routed connection's own options: the host its socket went to. mariadb copies a
 * connection's options for a connection it opens on that one's behalf (the KILL of `destroy()`, a
 * server redirect); the copy carries this (Object.assign copies symbol keys) and goes to the same host.
 */
const ROUTED_TO = Symbol('goneaway.routedTo');

/** mariadb's `stream` option: called as a method of the new connection's own options object. */
export type MariadbStreamOption = (
  this: object,
  callback: (error?: Error, stream?: Socket) => void,
) => Socket | undefined;

/**
 * Where a routed mariadb pool's new connections go: the routing's target, the cluster's writer or
 * (`role: 'reader'`) a reader in rotation. mariadb's pool copies its settings when it is made (a
 * private copy goneaway cannot change later, unlike mysql2's), but asks its `stream` option for the
 * socket of every new connection: that function connects to the host the routing chooses at that
 * moment (waiting for one, during a failover or with no reader in rotation, no longer than the
 * connection's own connect timeout), and remembers, by the connection's options object, which host
 * each connection went to, so that the pipeline sweeps connections to a host that is no longer right
 * (an old writer, a reader that left the rotation) and counts each reader's connections. It also
 * holds the pool's lease on the shared monitor of the cluster (probes connect with the same settings).
 */
export class RoutedStream {
  readonly #cluster: ClusterPolicy;
  readonly #role: ClusterRole;
  readonly #settings: Readonly<Record<string, unknown>>;
  readonly #registry: ClusterMonitorRegistry;
  /** Each new connection's options object (mariadb's `this.opts`) → `host:port` it went to. */
  readonly #hosts = new WeakMap<object, string>();
  #routing: ClusterRouting | undefined;
  /** mariadb's `stream` option for the pool's settings. */
  readonly option: MariadbStreamOption;

  constructor(
    cluster: ClusterPolicy,
    role: ClusterRole,
    settings: Readonly<Record<string, unknown>>,
    registry: ClusterMonitorRegistry = sharedClusterMonitors,
  ) {
    this.#cluster = cluster;
    this.#role = role;
    this.#settings = settings;
    this.#registry = registry;
    const stream = this;
    this.option = function routedStream(this: object, callback) {
      return stream.#open(this as { connectTimeout?: number; host?: string; port?: number }, callback);
    };
  }

  /**
   * The pool's routing (core's createClusterRouting for the `role`) on a new lease of the shared
   * monitor, whose events reach `events`; replaces the last one.
   */
  lease(events: EventHub): ClusterRouting {
    const routing = createClusterRouting(
      this.#role,
      this.#registry.acquire({
        cluster: this.#cluster,
        connect: mariadbProbeConnector(this.#settings, this.#cluster.probeTimeoutMs),
        user: typeof this.#settings.user === 'string' ? this.#settings.user : '',
        events,
      }),
      this.#cluster,
    );
    this.#routing = routing;
    return routing;
  }

  /** The lease went back (its pool closed): new connections, if any, go to the first host. */
  release(): void {
    this.#routing = undefined;
  }

  /** The `host:port` a connection went to, or undefined for one not made through `option`. */
  hostOf(connection: MariadbConnection): string | undefined {
    const options = connectionOptionsOf(connection);
    return options === undefined ? undefined : this.#hosts.get(options);
  }

  #open(
    options: { connectTimeout?: number; host?: string; port?: number },
    callback: (error?: Error, stream?: Socket) => void,
  ): Socket | undefined {
    const open = (host: ClusterHost): Socket => {
      this.#hosts.set(options, hostKey(host));
      (options as { [ROUTED_TO]?: ClusterHost })[ROUTED_TO] = host;
      // The connection's own copy of the settings: mariadb checks a TLS certificate against its `host`
      // after this, so the identity checked is the node's the socket goes to.
      options.host = host.host;
      options.port = host.port;
      const socket = connect({ host: host.host, port: host.port });
      socket.setNoDelay(true);
      return socket;
    };
    // A connection mariadb opens on behalf of a routed one (its options copied): that one's server.
    const pinned = (options as { [ROUTED_TO]?: ClusterHost })[ROUTED_TO];
    if (pinned !== undefined) return open(pinned);
    const routing = this.#routing;
    // No routing: the pool outlived its lease (ending); nothing better is known than the first host.
    if (routing === undefined) return open(this.#cluster.hosts[0] as ClusterHost);
    // A writer pool with a writer known: at once, as before readers (no promise on the common path).
    const writer = routing.role === 'writer' ? routing.monitor.currentWriter() : undefined;
    if (writer !== undefined) return open(writer);
    // A reader pool, or a failover under way: ask the routing, but answer before mariadb's own connect
    // timer fires (a socket handed over after it would belong to a connection already given up).
    const startedAt = performance.now();
    const waitMs = Math.max(0, (options.connectTimeout ?? 1000) - 50);
    routing.target(startedAt + waitMs).then(
      (target) => {
        if (performance.now() - startedAt > waitMs) callback(routedLateError(waitMs, routing.role));
        else callback(undefined, open(target));
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
    return undefined;
  }
}

function routedLateError(waitMs: number, role: ClusterRole): Error {
  const what = role === 'writer' ? 'elected no writer' : 'had no host to read from';
  return Object.assign(new Error(`connect ETIMEDOUT: the cluster ${what} within ${waitMs} ms`), {
    code: 'ETIMEDOUT',
    syscall: 'connect',
  });
}

/** The options object of the mariadb Connection behind a pooled ConnectionPromise: the one `stream` was called on. */
export function connectionOptionsOf(connection: MariadbConnection): object | undefined {
  const options = rawConnectionOf(connection)?.opts;
  return typeof options === 'object' && options !== null ? options : undefined;
}
