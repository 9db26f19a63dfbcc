import { EventEmitter, once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { type ClusterPolicy, isGoneAwayConfigError, parsePolicy } from '@goneaway/core';
import { sharedClusterMonitors } from '@goneaway/core/adapter';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { describe, expect, it } from 'vitest';
import { probeOptionsFor } from './mariadb-probe-connector.js';
import type { MariadbConnection } from './mariadb-shapes.js';
import { connectionOptionsOf, RoutedStream } from './routed-stream.js';
import { goneAwayPrisma } from './with-goneaway.js';

const cluster = { hosts: ['127.0.0.1:1', '127.0.0.2:1'], flavor: 'replication' as const };

function configErrorOf(make: () => unknown): Error {
  try {
    make();
  } catch (error) {
    expect(isGoneAwayConfigError(error)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a GoneAwayConfigError');
}

describe('goneAwayPrisma with the cluster option', () => {
  it('a PrismaMariaDb factory with `cluster` is a GoneAwayConfigError asking for the settings (a factory keeps them private)', () => {
    const error = configErrorOf(() =>
      goneAwayPrisma(new PrismaMariaDb({ host: '127.0.0.1', user: 'u', password: 'secret-pw' }), { cluster }),
    );
    expect(error.message).toContain('cluster');
    expect(error.message).toContain('goneAwayPrisma({ user, password, database');
    expect(error.message).not.toContain('secret-pw');
  });

  it('settings with a socket path or a stream of their own are refused with `cluster` (each connection goes to the writer over TCP)', () => {
    expect(
      configErrorOf(() => goneAwayPrisma({ user: 'u', socketPath: '/tmp/x.sock' }, { cluster })).message,
    ).toContain('socketPath');
    expect(
      configErrorOf(() => goneAwayPrisma({ user: 'u', stream: () => undefined }, { cluster })).message,
    ).toContain('stream');
  });

  it('no writer within the budget (every host refuses): GONEAWAY_UNAVAILABLE naming every host and its state; the lease on the monitor goes back', async () => {
    const adapter = goneAwayPrisma(
      { user: 'nobody', password: 'secret-pw', database: 'none' },
      { outageBudgetMs: 1_500, cluster: { ...cluster, probeIntervalMs: 100, probeTimeoutMs: 300 } },
    );
    const before = sharedClusterMonitors.size;
    const startedAt = performance.now();
    const error = (await adapter.connect().catch((caught: unknown) => caught)) as Error & { code?: string };
    const elapsedMs = performance.now() - startedAt;
    expect(error.code).toBe('GONEAWAY_UNAVAILABLE');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).toContain('127.0.0.2:1');
    expect(error.message).not.toContain('secret-pw');
    expect(elapsedMs).toBeLessThan(10_000);
    // Nothing connected: the monitor's lease went back (its probes stopped).
    expect(sharedClusterMonitors.size).toBe(before);
  });

  it('takes no lease on the shared monitor before Prisma connects', () => {
    const before = sharedClusterMonitors.size;
    const adapter = goneAwayPrisma({ user: 'lease-later', password: 'p' }, { cluster });
    expect(typeof adapter.connect).toBe('function');
    expect(adapter.adapterName).toBe('@prisma/adapter-mariadb');
    expect(sharedClusterMonitors.size).toBe(before);
  });
});

describe('probeOptionsFor', () => {
  it("keeps the application's credentials and TLS, goes to the probed host with the probe's connect timeout, never through the routing stream or a socket path", () => {
    const options = probeOptionsFor(
      {
        user: 'app',
        password: 'pw',
        database: 'db',
        ssl: { rejectUnauthorized: true },
        stream: () => undefined,
        socketPath: '/s',
        host: 'old',
        port: 1,
      },
      { host: '10.0.0.2', port: 3307 },
      800,
    );
    expect(options).toEqual({
      user: 'app',
      password: 'pw',
      database: 'db',
      ssl: { rejectUnauthorized: true },
      host: '10.0.0.2',
      port: 3307,
      connectTimeout: 800,
      bigIntAsNumber: true,
    });
  });
});

describe('connectionOptionsOf', () => {
  it('reaches the options object of the connection behind a promise wrapper that only passes `on`/`off` through, and leaves no listener behind', () => {
    class InnerConnection extends EventEmitter {
      readonly opts = { connectTimeout: 1000 };
    }
    const inner = new InnerConnection();
    const wrapper = {
      on: (event: string, listener: (...args: unknown[]) => void) => inner.on(event, listener),
      off: (event: string, listener: (...args: unknown[]) => void) => inner.off(event, listener),
    } as unknown as MariadbConnection;
    expect(connectionOptionsOf(wrapper)).toBe(inner.opts);
    expect(inner.eventNames()).toEqual([]);
  });

  it('is undefined for a connection without `on`', () => {
    expect(connectionOptionsOf({} as MariadbConnection)).toBeUndefined();
  });
});

describe('RoutedStream', () => {
  it("opens each new connection's socket itself, sets that connection's host and port (what mariadb checks a TLS certificate against), and answers hostOf for it", async () => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    try {
      const policy = parsePolicy({
        cluster: { hosts: [`127.0.0.1:${port}`, `127.0.0.2:${port}`], flavor: 'replication' },
      });
      const stream = new RoutedStream(policy.cluster as ClusterPolicy, 'writer', { user: 'u' });
      // mariadb calls it as a method of the new connection's own options (no lease: the first host).
      class InnerConnection extends EventEmitter {
        readonly opts: { connectTimeout: number; host?: string; port?: number } = {
          connectTimeout: 1000,
          host: 'configured',
          port: 1,
        };
      }
      const inner = new InnerConnection();
      const socket = stream.option.call(inner.opts, () => undefined) as Socket;
      await once(socket, 'connect');
      socket.destroy();
      expect(inner.opts).toMatchObject({ host: '127.0.0.1', port });
      const wrapper = {
        on: (event: string, listener: (...args: unknown[]) => void) => inner.on(event, listener),
        off: (event: string, listener: (...args: unknown[]) => void) => inner.off(event, listener),
      } as unknown as MariadbConnection;
      expect(stream.hostOf(wrapper)).toBe(`127.0.0.1:${port}`);
      expect(
        stream.hostOf({ on: () => undefined, off: () => undefined } as unknown as MariadbConnection),
      ).toBeUndefined();
    } finally {
      server.close();
    }
  });
});

describe('RoutedStream, a connection mariadb opens on behalf of a routed one', () => {
  it("goes to the routed connection's own server, whatever the routing says now (mariadb's KILL on destroy copies the connection's options)", async () => {
    const servers = await Promise.all(
      ['127.0.0.1', '127.0.0.2'].map(async (host) => {
        const server = createServer((socket) => socket.destroy());
        server.listen(0, host);
        await once(server, 'listening');
        return server;
      }),
    );
    const [first, second] = servers.map((server) => server.address() as { address: string; port: number });
    try {
      const hosts = [`${first?.address}:${first?.port}`, `${second?.address}:${second?.port}`];
      const streamOver = (list: string[]) =>
        new RoutedStream(
          parsePolicy({ cluster: { hosts: list, flavor: 'replication' } }).cluster as ClusterPolicy,
          'writer',
          { user: 'u' },
        );
      // No lease: a stream sends new connections to its first host.
      const stream = streamOver(hosts);
      const routed: Record<string | symbol, unknown> = { connectTimeout: 1000, host: 'configured', port: 1 };
      const socket = stream.option.call(routed, () => undefined) as Socket;
      await once(socket, 'connect');
      socket.destroy();
      expect(routed).toMatchObject({ host: '127.0.0.1', port: first?.port });
      // mariadb's destroy(): Object.assign({}, this.opts, { host: socket.remoteAddress }), through `stream`
      // again. A stream whose choice is now the other host still sends the copy where the connection went.
      const movedOn = streamOver([...hosts].reverse());
      const copy = Object.assign({}, routed, { host: '127.0.0.1' });
      const again = movedOn.option.call(copy, () => undefined) as Socket;
      await once(again, 'connect');
      expect(again.remotePort).toBe(first?.port);
      again.destroy();
      const fresh: Record<string, unknown> = { connectTimeout: 1000 };
      const other = movedOn.option.call(fresh, () => undefined) as Socket;
      await once(other, 'connect');
      expect(other.remotePort).toBe(second?.port);
      other.destroy();
    } finally {
      for (const server of servers) server.close();
    }
  });
});

describe('goneAwayPrisma with role and readYourWrites', () => {
  const replication = { hosts: ['10.0.0.1:3306', '10.0.0.2:3306'], flavor: 'replication' as const };

  it.each([
    ['a writer', undefined],
    ['a reader', 'reader' as const],
  ])(
    'refuses readYourWrites with replication for %s (mariadb does not expose the commit GTID), never ignores it',
    (_, role) => {
      const error = configErrorOf(() =>
        goneAwayPrisma(
          { user: 'u', password: 'secret-pw' },
          { cluster: { ...replication, readers: { enabled: true }, readYourWrites: true }, role },
        ),
      );
      expect(error.message).toContain('cluster.readYourWrites');
      expect(error.message).toContain('last_gtid');
      expect(error.message).not.toContain('secret-pw');
    },
  );

  it("takes role: 'reader' with replication (without readYourWrites) and Galera's readYourWrites, and takes no lease before Prisma connects", () => {
    const before = sharedClusterMonitors.size;
    const reader = goneAwayPrisma(
      { user: 'reader-later', password: 'p' },
      { cluster: { ...replication, readers: { enabled: true } }, role: 'reader' },
    );
    const galera = goneAwayPrisma(
      { user: 'reader-later', password: 'p' },
      {
        cluster: { ...replication, flavor: 'galera', readers: { enabled: true }, readYourWrites: true },
        role: 'reader',
      },
    );
    expect(typeof reader.connect).toBe('function');
    expect(typeof galera.connect).toBe('function');
    expect(sharedClusterMonitors.size).toBe(before);
  });

  it("role: 'reader' without readers.enabled is the core's GoneAwayConfigError, at goneAwayPrisma()", () => {
    expect(
      configErrorOf(() => goneAwayPrisma({ user: 'u' }, { cluster: replication, role: 'reader' })).message,
    ).toContain('readers');
  });
});
