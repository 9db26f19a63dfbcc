import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, type MariaDBServer, sharedServer, startFaultProxy } from '../harness/src/index.js';

/** An upstream that echoes every byte back: the exchange, and so the counters, are known exactly. */
async function startEchoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('echo server has no port');
  return { server, port: address.port };
}

function connectRaw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads until `bytes` bytes arrived. */
function readBytes(socket: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= bytes) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(10);
  }
}

function errorCode(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'no error',
    (error: { code?: unknown }) => String(error.code),
  );
}

describe('fault proxy on a raw TCP exchange', () => {
  let echo: { server: Server; port: number };
  let proxy: FaultProxy;

  beforeAll(async () => {
    echo = await startEchoServer();
  });

  afterAll(async () => {
    await new Promise((resolve) => echo.server.close(resolve));
  });

  afterEach(async () => {
    await proxy.close();
  });

  it('counts accepted connections and bytes each way exactly', async () => {
    proxy = await startFaultProxy(echo.port);
    const payload = randomBytes(100_000);
    const client = await connectRaw(proxy.port);
    for (let offset = 0; offset < payload.length; offset += 7_000) {
      client.write(payload.subarray(offset, offset + 7_000));
    }
    const echoed = await readBytes(client, payload.length);
    expect(echoed.equals(payload)).toBe(true);

    const [connection] = proxy.connections();
    expect(connection).toMatchObject({
      id: 1,
      state: 'open',
      bytesToServer: 100_000,
      bytesToClient: 100_000,
    });
    expect(proxy.stats).toEqual({
      accepted: 1,
      active: 1,
      bytesToServer: 100_000,
      bytesToClient: 100_000,
      refused: 0,
    });

    client.end();
    await waitFor(() => proxy.stats.active === 0);
    expect(proxy.connections()).toEqual([]);
    proxy.resetStats();
    expect(proxy.stats).toEqual({ accepted: 0, active: 0, bytesToServer: 0, bytesToClient: 0, refused: 0 });
  });

  it('forwards a large transfer intact, under backpressure', async () => {
    proxy = await startFaultProxy(echo.port);
    const payload = randomBytes(16 * 1024 * 1024);
    const client = await connectRaw(proxy.port);
    const echoed = readBytes(client, payload.length);
    client.write(payload);
    expect((await echoed).equals(payload)).toBe(true);
    expect(proxy.stats).toMatchObject({ bytesToServer: payload.length, bytesToClient: payload.length });
    client.destroy();
  });

  it('resetAll() makes the client see ECONNRESET', async () => {
    proxy = await startFaultProxy(echo.port);
    const client = await connectRaw(proxy.port);
    client.write('ping');
    await readBytes(client, 4);
    const failure = new Promise<string>((resolve) =>
      client.once('error', (error) => resolve(String((error as NodeJS.ErrnoException).code))),
    );
    proxy.resetAll();
    expect(await failure).toBe('ECONNRESET');
  });

  it('blackholes existing connections: no data, no FIN, no RST; new connections still pass', async () => {
    proxy = await startFaultProxy(echo.port);
    const client = await connectRaw(proxy.port);
    client.write('before');
    await readBytes(client, 6);
    proxy.blackholeExisting();
    expect(proxy.connections().map((c) => c.state)).toEqual(['blackholed']);

    const events: string[] = [];
    client.on('data', () => events.push('data'));
    client.on('end', () => events.push('end'));
    client.on('error', (error) => events.push(`error ${(error as NodeJS.ErrnoException).code}`));
    client.on('close', () => events.push('close'));
    client.write('after');
    await delay(500);
    expect(events).toEqual([]);
    expect(client.destroyed).toBe(false);

    const fresh = await connectRaw(proxy.port);
    fresh.write('fresh');
    expect((await readBytes(fresh, 5)).toString()).toBe('fresh');
    fresh.destroy();
    client.destroy();
  });

  it('refuseNew(true) resets new connections at accept; refuseNew(false) lets them in again', async () => {
    proxy = await startFaultProxy(echo.port);
    proxy.refuseNew(true);
    // The RST may arrive before or after the connect completes: either way the socket fails with ECONNRESET.
    const code = await new Promise<string>((resolve) => {
      const refused = connect({ host: '127.0.0.1', port: proxy.port }, () => refused.write('hello'));
      refused.once('error', (error) => resolve(String((error as NodeJS.ErrnoException).code)));
      refused.once('close', () => resolve('closed without error'));
    });
    expect(code).toBe('ECONNRESET');
    expect(proxy.stats).toMatchObject({ accepted: 0, refused: 1 });

    proxy.refuseNew(false);
    const admitted = await connectRaw(proxy.port);
    admitted.write('hello');
    expect((await readBytes(admitted, 5)).toString()).toBe('hello');
    expect(proxy.stats).toMatchObject({ accepted: 1, refused: 1 });
    admitted.destroy();
  });

  it('stopListening() gives ECONNREFUSED on the same port, keeps existing connections; startListening() reopens it', async () => {
    proxy = await startFaultProxy(echo.port);
    const port = proxy.port;
    const existing = await connectRaw(port);
    await proxy.stopListening();
    expect(proxy.listening).toBe(false);
    await expect(connectRaw(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    existing.write('still here');
    expect((await readBytes(existing, 10)).toString()).toBe('still here');

    await proxy.startListening();
    expect(proxy.port).toBe(port);
    const again = await connectRaw(port);
    again.write('back');
    expect((await readBytes(again, 4)).toString()).toBe('back');
    again.destroy();
    existing.destroy();
  });

  it('setLatency() delays every chunk in both directions', async () => {
    proxy = await startFaultProxy(echo.port);
    const client = await connectRaw(proxy.port);
    proxy.setLatency(200);
    const started = performance.now();
    client.write('slow');
    await readBytes(client, 4);
    const elapsed = performance.now() - started;
    // 200 ms towards the server plus 200 ms back; only the lower bound is certain on a busy machine.
    expect(elapsed).toBeGreaterThanOrEqual(395);
    expect(() => proxy.setLatency(-1)).toThrow(/setLatency/);
    client.destroy();
  });

  it('keeps the order of chunks held by onClientData', async () => {
    proxy = await startFaultProxy(echo.port);
    proxy.onClientData((chunk) => (chunk.toString() === 'first' ? { holdMs: 300 } : 'forward'));
    const client = await connectRaw(proxy.port);
    const started = performance.now();
    client.write('first');
    await delay(20);
    client.write('second');
    const received = await readBytes(client, 11);
    expect(received.toString()).toBe('firstsecond');
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    client.destroy();
  });
});

describe('fault proxy in front of MariaDB (mysql2 clients)', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  const table = `harness_proxy_${randomBytes(4).toString('hex')}`;
  const clients: Connection[] = [];

  async function viaProxy(): Promise<Connection> {
    const connection = await createConnection({ ...proxy.route(server.connection), connectTimeout: 5_000 });
    connection.on('error', () => undefined);
    clients.push(connection);
    return connection;
  }

  async function rowCount(id: number): Promise<number> {
    const rows = await server.query(`SELECT id FROM ${table} WHERE id = ?`, [id]);
    return rows.length;
  }

  beforeAll(async () => {
    server = sharedServer();
    await server.query(`CREATE TABLE ${table} (id INT PRIMARY KEY)`);
  });

  afterAll(async () => {
    await server.query(`DROP TABLE IF EXISTS ${table}`);
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await proxy.close();
  });

  it('resetAll() fails an in-flight query with ECONNRESET', async () => {
    proxy = await startFaultProxy(server.port, { upstreamHost: server.host });
    const client = await viaProxy();
    const sleeping = errorCode(client.query('SELECT SLEEP(20)'));
    // Cut while the statement really runs on the server, not before it got there.
    await waitFor(
      async () =>
        (
          await server.query(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ? AND COMMAND = 'Query'",
            [client.threadId],
          )
        ).length === 1,
    );
    proxy.resetAll();
    expect(await sleeping).toBe('ECONNRESET');
  });

  it('a blackholed query hangs until the client-side timeout and returns nothing', async () => {
    proxy = await startFaultProxy(server.port, { upstreamHost: server.host });
    const client = await viaProxy();
    expect((await client.query('SELECT 1 AS ok'))[0]).toEqual([{ ok: 1 }]);
    proxy.blackholeExisting();

    let result: unknown = 'no result';
    const started = performance.now();
    const code = await client.query({ sql: 'SELECT 2 AS ok', timeout: 500 }).then(
      ([rows]) => {
        result = rows;
        return 'returned';
      },
      (error: { code?: string }) => String(error.code),
    );
    expect(code).toBe('PROTOCOL_SEQUENCE_TIMEOUT');
    expect(result).toBe('no result');
    expect(performance.now() - started).toBeGreaterThanOrEqual(495);

    const fresh = await viaProxy();
    expect((await fresh.query('SELECT 3 AS ok'))[0]).toEqual([{ ok: 3 }]);
  });

  it('refuseNew(true) makes connects fail; stopListening() makes them fail with ECONNREFUSED', async () => {
    proxy = await startFaultProxy(server.port, { upstreamHost: server.host });
    proxy.refuseNew(true);
    expect(await errorCode(viaProxy())).toMatch(/^(ECONNRESET|PROTOCOL_CONNECTION_LOST)$/);
    expect(proxy.stats.refused).toBe(1);
    proxy.refuseNew(false);
    await proxy.stopListening();
    expect(await errorCode(viaProxy())).toBe('ECONNREFUSED');
    await proxy.startListening();
    const client = await viaProxy();
    expect((await client.query('SELECT 1 AS ok'))[0]).toEqual([{ ok: 1 }]);
  });

  it('setLatency() slows a round trip by twice the latency', async () => {
    proxy = await startFaultProxy(server.port, { upstreamHost: server.host });
    const client = await viaProxy();
    proxy.setLatency(250);
    const started = performance.now();
    await client.query('SELECT 1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(495);
    proxy.setLatency(0);
  });

  it("'forward-then-reset' lets the statement run but the client only sees ECONNRESET", async () => {
    proxy = await startFaultProxy(server.port, { upstreamHost: server.host });
    const client = await viaProxy();
    proxy.onClientData((chunk) =>
      chunk.includes(`INSERT INTO ${table}`) ? 'forward-then-reset' : 'forward',
    );
    expect(await errorCode(client.query(`INSERT INTO ${table} VALUES (1)`))).toBe('ECONNRESET');
    await waitFor(async () => (await rowCount(1)) === 1);
    expect(await rowCount(1)).toBe(1);
  });

  it("'reset' cuts the connection before the statement reaches the server", async () => {
    proxy = await startFaultProxy(server.port, { upstreamHost: server.host });
    const client = await viaProxy();
    proxy.onClientData((chunk) => (chunk.includes(`INSERT INTO ${table}`) ? 'reset' : 'forward'));
    expect(await errorCode(client.query(`INSERT INTO ${table} VALUES (2)`))).toBe('ECONNRESET');
    await delay(200);
    expect(await rowCount(2)).toBe(0);
  });

  it("'drop' swallows the statement: the client waits, the server never runs it", async () => {
    proxy = await startFaultProxy(server.port, { upstreamHost: server.host });
    const client = await viaProxy();
    proxy.onClientData((chunk) => (chunk.includes(`INSERT INTO ${table}`) ? 'drop' : 'forward'));
    expect(await errorCode(client.query({ sql: `INSERT INTO ${table} VALUES (3)`, timeout: 400 }))).toBe(
      'PROTOCOL_SEQUENCE_TIMEOUT',
    );
    expect(await rowCount(3)).toBe(0);
  });

  it('names the server-side port of each connection and resets one connection alone', async () => {
    proxy = await startFaultProxy(server.port, { upstreamHost: server.host });
    const first = await viaProxy();
    const second = await viaProxy();
    const [hostOfFirst] = await server.query<{ host: string }>(
      'SELECT HOST AS host FROM information_schema.PROCESSLIST WHERE ID = ?',
      [first.threadId],
    );
    const proxied = proxy.connections().find((c) => hostOfFirst?.host === `127.0.0.1:${c.upstreamLocalPort}`);
    expect(proxied).toBeDefined();
    proxied!.reset();
    expect(await errorCode(first.query('SELECT 1'))).toMatch(/^(ECONNRESET|PROTOCOL_CONNECTION_LOST)$/);
    expect((await second.query('SELECT 2 AS ok'))[0]).toEqual([{ ok: 2 }]);
  });
});
