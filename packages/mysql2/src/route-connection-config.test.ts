import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { type ClusterRouting, SecretRedactor } from '@goneaway/core/adapter';
import mysql2 from 'mysql2';
import { afterEach, describe, expect, it } from 'vitest';
import { mysql2ConnectionDriver } from './mysql2-connection-driver.js';
import type { CorePool, CorePoolConnection } from './mysql2-internals.js';
import { getConnectionOf, isInternalAcquireCallback, mysql2PoolDriver } from './mysql2-pool-driver.js';
import { probeConfigFor } from './mysql2-probe-connector.js';
import { configFor, routeConnectionConfig } from './route-connection-config.js';

/** A loopback server that accepts and never greets: mysql2 makes its PoolConnection, then waits. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, sockets };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function poolTo(port: number): CorePool {
  const pool = mysql2.createPool({
    host: '127.0.0.1',
    port,
    user: 'app',
    password: 'secret-password',
    connectTimeout: 60_000,
  }) as unknown as CorePool;
  cleanups.push(() => {
    for (let index = 0; index < pool._allConnections.length; index++) {
      pool._allConnections.get(index)?.stream.destroy();
    }
    (pool as unknown as { _closed: boolean })._closed = true;
  });
  return pool;
}

function connectionsOf(pool: CorePool): CorePoolConnection[] {
  return Array.from({ length: pool._allConnections.length }, (_, index) => pool._allConnections.get(index)!);
}

describe('configFor', () => {
  it('keeps every own property (a non-enumerable password too) and the prototype, sets the host, drops the socket path', () => {
    class Config {}
    const source = Object.assign(new Config(), { user: 'app', socketPath: '/tmp/x.sock', host: 'old' });
    Object.defineProperty(source, 'password', { value: 'hidden', enumerable: false });
    const copy = configFor(source, { host: '127.0.0.2', port: 3307 }, { connectTimeout: 500 });
    expect(copy).toBeInstanceOf(Config);
    expect(copy).toMatchObject({ user: 'app', host: '127.0.0.2', port: 3307, connectTimeout: 500 });
    expect((copy as { password?: string }).password).toBe('hidden');
    expect('socketPath' in copy).toBe(false);
    expect(source.host).toBe('old');
  });

  it('a probe of a URL-configured pool keeps the URL for credentials; its explicit host and port win over it', () => {
    expect(probeConfigFor('mysql://app:pw@db:3306/shop', { host: '127.0.0.3', port: 3308 }, 700)).toEqual({
      uri: 'mysql://app:pw@db:3306/shop',
      host: '127.0.0.3',
      port: 3308,
      connectTimeout: 700,
    });
  });
});

describe('routeConnectionConfig on a real mysql2 pool', () => {
  it('the next connection mysql2 makes goes to the writer; a connection made before keeps its own host', async () => {
    const first = await silentServer();
    const writer = await silentServer();
    cleanups.push(
      () => first.server.close(),
      () => writer.server.close(),
    );
    const pool = poolTo(first.port);
    (Object.getPrototypeOf(pool) as CorePool).getConnection.call(pool, () => undefined);
    const before = pool.config.connectionConfig;
    routeConnectionConfig(pool, { host: '127.0.0.1', port: writer.port });
    (Object.getPrototypeOf(pool) as CorePool).getConnection.call(pool, () => undefined);
    const [old, routed] = connectionsOf(pool);
    // The pool's config was replaced, not changed in place: the old object still names the old host.
    expect(pool.config.connectionConfig).not.toBe(before);
    expect(before?.port).toBe(first.port);
    expect(pool.config.connectionConfig?.password).toBe('secret-password');
    expect(mysql2ConnectionDriver.hostOf?.(old!)).toBe(`127.0.0.1:${first.port}`);
    expect(mysql2ConnectionDriver.hostOf?.(routed!)).toBe(`127.0.0.1:${writer.port}`);
    // Both sockets really went where their config says.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(first.sockets).toHaveLength(1);
    expect(writer.sockets).toHaveLength(1);
  });

  it('the pool driver waits for the writer before mysql2 makes the connection, within the call deadline', async () => {
    const writer = await silentServer();
    cleanups.push(() => writer.server.close());
    const pool = poolTo(1);
    const asked: Array<number | undefined> = [];
    let answer!: (host: { host: string; port: number }) => void;
    const routing = {
      target: (deadline?: number) => {
        asked.push(deadline);
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
    } as unknown as ClusterRouting;
    const driver = mysql2PoolDriver(pool, (connection) => connection, new SecretRedactor(), {
      routing: () => routing,
      budgetMs: 5_000,
    });
    void driver.create({ attempt: 1, deadline: 12_345 }).catch(() => undefined);
    await Promise.resolve();
    // Nothing is made while the writer is not known.
    expect(pool._allConnections.length).toBe(0);
    expect(asked).toEqual([12_345]);
    answer({ host: '127.0.0.1', port: writer.port });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connectionsOf(pool).map((connection) => mysql2ConnectionDriver.hostOf?.(connection))).toEqual([
      `127.0.0.1:${writer.port}`,
    ]);
    expect(writer.sockets).toHaveLength(1);
  });

  it('no writer within the budget: the create fails and mysql2 makes no connection', async () => {
    const pool = poolTo(1);
    const routing = {
      target: () => Promise.reject(new Error('no writer')),
    } as unknown as ClusterRouting;
    const driver = mysql2PoolDriver(pool, (connection) => connection, new SecretRedactor(), {
      routing: () => routing,
      budgetMs: 5_000,
    });
    await expect(driver.create({ attempt: 1 })).rejects.toThrow('no writer');
    expect(pool._allConnections.length).toBe(0);
  });
});

describe('isInternalAcquireCallback', () => {
  it("recognises the callbacks goneaway gives mysql2's own getConnection, and only those", () => {
    const pool = poolTo(1);
    const internal = () => undefined;
    getConnectionOf(pool, internal);
    expect(isInternalAcquireCallback(internal)).toBe(true);
    expect(isInternalAcquireCallback(() => undefined)).toBe(false);
    expect(isInternalAcquireCallback(undefined)).toBe(false);
  });
});
