import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { MIN_CONNECT_WAIT_MS } from '@goneaway/core/adapter';
import {
  type Classification,
  classify,
  type GoneAwayOptions,
  goneAway,
  isDatabaseUnavailable,
  isGoneAwayError,
} from '@goneaway/knex';
import { type FaultProxy, type MariaDBServer, sharedServer, startFaultProxy } from '@goneaway/test-harness';
import fc from 'fast-check';
import knex from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Peers that are not a working MySQL server: nothing listening, no such host, a listener that never
 * speaks, other protocols, garbage, a handshake cut short, a wrong password. Each must end in a clear
 * classified error within the connect timeout plus the outage budget: never a hang, never a crash
 * (an exception thrown from a socket handler would fail the whole run), never the password in a message.
 */

const SECRET = 'Peer-Pw-7c1e-S3cret';
const OPTIONS: GoneAwayOptions = { connectTimeoutMs: 500, outageBudgetMs: 600 };
/** The budget bounds the whole wait, a connect in flight included (at most MIN_CONNECT_WAIT_MS late), plus load. */
const BOUND_MS = OPTIONS.outageBudgetMs! + MIN_CONNECT_WAIT_MS + 5_000;

interface Peer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A TCP listener on 127.0.0.1 that hands each accepted socket to `onConnection`. */
async function tcpPeer(onConnection: (socket: Socket) => void): Promise<Peer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Outcome {
  readonly status: 'fulfilled' | 'rejected' | 'hung';
  readonly error: unknown;
  readonly ms: number;
  readonly logLines: string[];
}

/** One query through knex(goneAway(...)) to `host:port`, bounded; the pool destroyed afterwards. */
async function queryPeer(
  host: string,
  port: number,
  user = 'app',
  password = SECRET,
  database = 'app',
): Promise<Outcome> {
  const logLines: string[] = [];
  const log = (message: unknown) => {
    logLines.push(String(message));
  };
  const db = knex(
    goneAway(
      {
        client: 'mysql2',
        connection: { host, port, user, password, database },
        pool: { min: 0, max: 1 },
        log: { warn: log, error: log, deprecate: log, debug: () => {} },
      },
      OPTIONS,
    ),
  );
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      db.raw('select 1').then(
        () => ({ status: 'fulfilled' as const, error: undefined }),
        (error: unknown) => ({ status: 'rejected' as const, error }),
      ),
      new Promise<{ status: 'hung'; error: undefined }>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'hung', error: undefined }), BOUND_MS);
      }),
    ]);
    return { ...result, ms: performance.now() - started, logLines };
  } finally {
    clearTimeout(timer);
    await db.destroy();
  }
}

/** What the application can read off the error: goneaway's wrapper, or the driver error itself. */
function classificationOf(error: unknown): { outer: Classification; cause: Classification } {
  const outer = classify(error);
  const cause = isGoneAwayError(error) && error.cause !== undefined ? classify(error.cause) : outer;
  return { outer, cause };
}

function expectNoSecret(outcome: Outcome): void {
  const error = outcome.error as Error;
  const texts = [error.message, String(error), JSON.stringify(error), ...outcome.logLines];
  if (isGoneAwayError(error)) texts.push(String((error.cause as Error | undefined)?.message));
  for (const text of texts) expect(text).not.toContain(SECRET);
}

/** Connect failures: retried within the budget, then DatabaseUnavailableError whose cause names the driver error. */
function expectUnavailable(outcome: Outcome, causeCodes: readonly string[]): void {
  expect(outcome.status).toBe('rejected');
  expect(isDatabaseUnavailable(outcome.error), String(outcome.error)).toBe(true);
  const { outer, cause } = classificationOf(outcome.error);
  expect(outer.kind).toBe('connect-failed');
  expect(outer.sent).toBe('no');
  expect(causeCodes).toContain(String(cause.code));
  expect(outcome.ms).toBeLessThan(BOUND_MS);
  expectNoSecret(outcome);
}

describe('hostile peers: a clear classified error within the connect timeout, never a hang or a crash', () => {
  it('a refused port: DatabaseUnavailableError (ECONNREFUSED) once the budget is spent', async () => {
    const peer = await tcpPeer(() => {});
    await peer.close(); // the port is free again: connecting is refused
    expectUnavailable(await queryPeer(peer.host, peer.port), ['ECONNREFUSED']);
  });

  it('an unresolvable host (.invalid never resolves): DatabaseUnavailableError (ENOTFOUND)', async () => {
    expectUnavailable(await queryPeer('goneaway-no-such-host.invalid', 3306), ['ENOTFOUND', 'EAI_AGAIN']);
  });

  it('a peer that accepts and never speaks: the connect timeout fires (ETIMEDOUT), no hang', async () => {
    const peer = await tcpPeer(() => {});
    try {
      const outcome = await queryPeer(peer.host, peer.port);
      expectUnavailable(outcome, ['ETIMEDOUT']);
      // It waited for the connect timeout rather than giving up on something else.
      expect(outcome.ms).toBeGreaterThanOrEqual(OPTIONS.connectTimeoutMs! - 50);
    } finally {
      await peer.close();
    }
  });

  it('an HTTP server (waits for a request, as MySQL clients wait for a greeting): ETIMEDOUT', async () => {
    const http = createHttpServer((_request, response) => response.end('hello'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      expectUnavailable(await queryPeer('127.0.0.1', (http.address() as AddressInfo).port), ['ETIMEDOUT']);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it.each([
    ['an HTTP error response, then close', 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n', true],
    ['an SSH banner, then silence', 'SSH-2.0-OpenSSH_9.6\r\n', false],
    ['an SMTP greeting, then close', '220 mail.example ESMTP ready\r\n', true],
  ])('a peer that speaks another protocol (%s): classified, bounded', async (_what, banner, close) => {
    const peer = await tcpPeer((socket) => (close ? socket.end(banner) : socket.write(banner)));
    try {
      expectUnavailable(await queryPeer(peer.host, peer.port), [
        'PROTOCOL_CONNECTION_LOST',
        'ETIMEDOUT',
        'ECONNRESET',
      ]);
    } finally {
      await peer.close();
    }
  });

  it.each([
    ['RST as soon as it accepts', (socket: Socket) => socket.resetAndDestroy()],
    ['FIN as soon as it accepts', (socket: Socket) => socket.end()],
    // A packet header announcing 80 bytes, the start of a greeting (protocol 10, "10."), then FIN.
    [
      'a truncated greeting, then FIN',
      (socket: Socket) => socket.end(Buffer.from('500000000a31302e', 'hex')),
    ],
  ])('a peer that closes mid-handshake (%s): classified, bounded', async (_what, behave) => {
    const peer = await tcpPeer(behave);
    try {
      expectUnavailable(await queryPeer(peer.host, peer.port), ['ECONNRESET', 'PROTOCOL_CONNECTION_LOST']);
    } finally {
      await peer.close();
    }
  });

  it('arbitrary bytes from the peer (fuzzed greetings and garbage): never a crash, a hang or an unclassified error', async () => {
    // A MySQL packet is a 3-byte length, a sequence number and a payload: frame some of the garbage so the
    // driver parses it as a (broken) greeting instead of waiting for more bytes.
    const framed = fc
      .uint8Array({ minLength: 0, maxLength: 120 })
      .map((payload) => Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]));
    const greetingLike = fc
      .uint8Array({ minLength: 0, maxLength: 80 })
      .map((tail) =>
        Buffer.concat([Buffer.from([tail.length + 6, 0, 0, 0, 0x0a]), Buffer.from('5.5.5\0'), tail]),
      );
    const garbage = fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((bytes) => Buffer.from(bytes));
    await fc.assert(
      fc.asyncProperty(fc.oneof(framed, greetingLike, garbage), fc.boolean(), async (bytes, thenClose) => {
        const peer = await tcpPeer((socket) => (thenClose ? socket.end(bytes) : socket.write(bytes)));
        try {
          const outcome = await queryPeer(peer.host, peer.port);
          expect(outcome.status).toBe('rejected');
          const { outer } = classificationOf(outcome.error);
          expect(outer.kind).not.toBe('not-connection-related');
          expectNoSecret(outcome);
        } finally {
          await peer.close();
        }
      }),
      { numRuns: 10, seed: Number(process.env.GONEAWAY_FUZZ_SEED ?? 20251125) },
    );
  }, 60_000);
});

describe('hostile peers in front of a real server', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = sharedServer();
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('a wrong password fails at once (auth-failed, never retried) and no message or log line holds it', async () => {
    const outcome = await queryPeer(
      server.host,
      server.port,
      server.connection.user,
      SECRET,
      server.connection.database,
    );
    expect(outcome.status).toBe('rejected');
    const { outer } = classificationOf(outcome.error);
    expect(outer.kind).toBe('auth-failed');
    expect(outer.retry).toBe('never');
    expect((outcome.error as { errno?: number }).errno).toBe(1045);
    // Not retried: no waiting out the budget for a password that will not change.
    expect(outcome.ms).toBeLessThan(BOUND_MS);
    expectNoSecret(outcome);
  });

  it("the handshake cut after the server's greeting (the client's answer is reset): classified, bounded", async () => {
    proxy.onClientData(() => 'reset');
    try {
      const info = proxy.route(server.connection);
      expectUnavailable(await queryPeer(info.host, info.port, info.user, SECRET, info.database), [
        'ECONNRESET',
        'PROTOCOL_CONNECTION_LOST',
      ]);
    } finally {
      proxy.onClientData(undefined);
    }
  });

  it('the handshake stalled after the greeting (the client answer is swallowed): the connect timeout fires', async () => {
    proxy.onClientData(() => 'drop');
    try {
      const info = proxy.route(server.connection);
      expectUnavailable(await queryPeer(info.host, info.port, info.user, SECRET, info.database), [
        'ETIMEDOUT',
      ]);
    } finally {
      proxy.onClientData(undefined);
      proxy.resetAll();
    }
  });
});
