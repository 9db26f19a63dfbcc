import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { expect } from 'vitest';

/**
 * What every adapter's outage-budget test shares: the two unreachable hosts (one that accepts TCP and
 * never sends a greeting, as a blackholed old primary during a failover does, and a refused port),
 * the options, and the check that a call ended within the budget with the truth in `elapsedMs`.
 */

export const BUDGET_MS = 1_500;
/** Longer than the budget on purpose: the budget, not the connect timeout, must end the wait. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const OUTAGE_OPTIONS = { outageBudgetMs: BUDGET_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS } as const;
/**
 * The documented slack is MIN_CONNECT_WAIT_MS (100 ms) plus event-loop delay; this machine is
 * shared by several test runs on 2 cores, so the bound here is generous. It still fails the old
 * behaviour by seconds (the connect timeout ran to its end: budget + 5 s).
 */
export const SLACK_MS = 1_200;
/** How far `elapsedMs` may be from what the test measured around the call (the call starts a little after). */
export const ELAPSED_TOLERANCE_MS = 300;

export const SECRET = 'Outage-Pw-5d2e-S3cret';

export interface Host {
  readonly host: string;
  readonly port: number;
  /** Connections it accepted (a silent host) so far. */
  readonly accepted: () => number;
  /** Accepted connections still open (a silent host). */
  readonly open?: () => number;
  close(): Promise<void>;
}

/** A TCP listener that accepts every connection and never sends a byte: the MySQL greeting never comes. */
export async function silentHost(): Promise<Host> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    open: () => sockets.size,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on any more: every connect is refused (ECONNREFUSED). */
export async function refusedPort(): Promise<Host> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { host: '127.0.0.1', port, accepted: () => 0, close: async () => undefined };
}

export interface SwitchableHost extends Host {
  /**
   * A failover's old primary going dark: connections open now are reset (the pool finds them
   * dead), and from now on every new connection is accepted and never greeted.
   */
  goSilent(): void;
  /** From now on new connections are refused (the listener closes; the port stays unanswered). */
  refuse(): Promise<void>;
}

/** A TCP forwarder to a real server at `upstreamPort`, until told to go silent or to refuse. */
export async function switchableHost(
  upstreamPort: number,
  upstreamHost = '127.0.0.1',
): Promise<SwitchableHost> {
  const sockets = new Set<Socket>();
  let mode: 'forward' | 'silent' = 'forward';
  let accepted = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    accepted++;
    track(client);
    if (mode === 'silent') return;
    const upstream = connect({ host: upstreamHost, port: upstreamPort });
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
  };
  return {
    host: '127.0.0.1',
    port,
    accepted: () => accepted,
    goSilent: () => {
      mode = 'silent';
      resetAll();
    },
    refuse: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        resetAll();
      });
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (server.listening) server.close(() => resolve());
        else resolve();
      }),
  };
}

/** Connection settings for either host, with a password the messages must never show. */
export function settingsFor(host: Host): {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
} {
  return { host: host.host, port: host.port, user: 'app', password: SECRET, database: 'app' };
}

export interface Timed {
  readonly status: 'fulfilled' | 'rejected';
  readonly value: unknown;
  readonly error: unknown;
  readonly ms: number;
}

/** Runs `call` and measures how long the caller waited for it to settle. */
export async function timed(call: () => Promise<unknown>): Promise<Timed> {
  const started = performance.now();
  try {
    const value = await call();
    return { status: 'fulfilled', value, error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { status: 'rejected', value: undefined, error, ms: performance.now() - started };
  }
}

interface GoneawayFields {
  readonly code?: unknown;
  readonly elapsedMs?: unknown;
  readonly message?: unknown;
}

/**
 * goneaway's own fields, where a library rethrew the error: TypeORM's QueryFailedError copies them,
 * Prisma keeps `code` and `message` and carries the rest in `meta.goneaway` (toJSON()).
 */
function goneawayFieldsOf(error: unknown): GoneawayFields {
  const fields = (error ?? {}) as GoneawayFields & { meta?: { goneaway?: GoneawayFields } };
  return {
    code: fields.code,
    message: fields.message,
    elapsedMs: fields.elapsedMs ?? fields.meta?.goneaway?.elapsedMs,
  };
}

/**
 * The call rejected with GONEAWAY_UNAVAILABLE after waiting out the budget, and no longer than the
 * budget plus the slack; `elapsedMs` says how long the caller waited; the password is nowhere.
 */
export function expectUnavailableWithinBudget(outcome: Timed, what: string): void {
  const fields = goneawayFieldsOf(outcome.error);
  expect(outcome.status, `${what}: ${String(outcome.error)}`).toBe('rejected');
  expect(fields.code, `${what}: ${String(outcome.error)}`).toBe('GONEAWAY_UNAVAILABLE');
  expect(outcome.ms, `${what}: waited ${Math.round(outcome.ms)} ms`).toBeLessThan(BUDGET_MS + SLACK_MS);
  // It did wait the outage out rather than giving up at the first failure.
  expect(outcome.ms, `${what}: waited ${Math.round(outcome.ms)} ms`).toBeGreaterThanOrEqual(BUDGET_MS - 50);
  expect(typeof fields.elapsedMs).toBe('number');
  expect(
    Math.abs((fields.elapsedMs as number) - outcome.ms),
    `${what}: elapsedMs ${String(fields.elapsedMs)} vs ${Math.round(outcome.ms)} ms measured`,
  ).toBeLessThan(ELAPSED_TOLERANCE_MS);
  expect(String(fields.message)).not.toContain(SECRET);
  expect(JSON.stringify(outcome.error)).not.toContain(SECRET);
  console.info(
    `${what}: GONEAWAY_UNAVAILABLE after ${Math.round(outcome.ms)} ms (elapsedMs ${String(fields.elapsedMs)}, budget ${BUDGET_MS} ms)`,
  );
}

/** The message names where goneaway tried: the driver's own text with host and port. */
export function expectMessageNames(outcome: Timed, text: string): void {
  expect(String(goneawayFieldsOf(outcome.error).message)).toContain(text);
}
