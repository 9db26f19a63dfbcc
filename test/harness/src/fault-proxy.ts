import { connect, createServer, type Server, type Socket } from 'node:net';
import { HarnessError } from './harness-error.js';

/**
 * What to do with one chunk the client sent:
 * - 'forward': pass it on (after the latency, if any);
 * - 'drop': swallow it, keep the connection (the client waits for an answer that never comes);
 * - 'reset': RST both sides without forwarding it (the statement never reached the server);
 * - 'forward-then-reset': forward it, then RST the client at once (it never sees the reply); the
 *   server's side is cut once the server has answered (or after 2 s), so the statement did run;
 * - `{ holdMs }`: forward it after holdMs (plus the latency); later chunks wait behind it.
 */
export type ClientDataAction =
  | 'forward'
  | 'drop'
  | 'forward-then-reset'
  | 'reset'
  | { readonly holdMs: number };

export type ClientDataHook = (chunk: Buffer, connection: ProxiedConnection) => ClientDataAction;

export interface FaultProxyStats {
  /** Connections accepted and forwarded (refused ones not included). */
  readonly accepted: number;
  /** Connections not closed yet (blackholed ones included). */
  readonly active: number;
  /** Bytes written to the server / to clients (dropped bytes are not counted). */
  readonly bytesToServer: number;
  readonly bytesToClient: number;
  /** Connections reset at accept while refuseNew(true). */
  readonly refused: number;
}

export type ProxiedConnectionState = 'open' | 'blackholed' | 'closed';

export interface ProxiedConnection {
  /** 1, 2, 3… in accept order, per proxy. */
  readonly id: number;
  readonly state: ProxiedConnectionState;
  readonly bytesToServer: number;
  readonly bytesToClient: number;
  /** The proxy's local port towards the server: the server sees this connection as `127.0.0.1:<port>`. */
  readonly upstreamLocalPort: number | undefined;
  /** RST both sides now. */
  reset(): void;
  /** Stop forwarding both ways and send nothing, not even a FIN or RST (a half-open connection). */
  blackhole(): void;
}

export interface FaultProxy extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  /** A snapshot of the counters. */
  readonly stats: FaultProxyStats;
  readonly listening: boolean;
  /** Zeroes the counters (except `active`, which counts what is open now). */
  resetStats(): void;
  /** RST every existing connection on both sides: clients see ECONNRESET. */
  resetAll(): void;
  /** Existing connections go silent both ways (no data, no FIN, no RST); new connections still pass. */
  blackholeExisting(): void;
  /** While on, new connections are reset as soon as they are accepted (clients see ECONNRESET). */
  refuseNew(on: boolean): void;
  /** Closes the listening socket, keeping the port and existing connections: new connects get ECONNREFUSED. */
  stopListening(): Promise<void>;
  /** Listens again on the same port. */
  startListening(): Promise<void>;
  /** Delays every chunk, both directions, by `ms` (order kept). */
  setLatency(ms: number): void;
  /** Decides the fate of each chunk a client sends (undefined: forward everything). */
  onClientData(hook: ClientDataHook | undefined): void;
  /** The connections not closed yet. */
  connections(): ProxiedConnection[];
  /** `settings` with host and port replaced by the proxy's: hand it to knex/mysql2. */
  route<T extends { readonly host: string; readonly port: number }>(settings: T): T;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  readonly upstreamHost?: string;
}

const PROXY_HOST = '127.0.0.1';
/** How long 'forward-then-reset' waits for the server's answer before cutting the server's side anyway. */
const CUT_AFTER_REPLY_TIMEOUT_MS = 2_000;

interface ProxyContext {
  readonly latencyMs: () => number;
  readonly clientDataHook: () => ClientDataHook | undefined;
  readonly countToServer: (bytes: number) => void;
  readonly countToClient: (bytes: number) => void;
  readonly closed: (connection: ProxyConnection) => void;
}

interface QueuedChunk {
  /** null: forward the end of the stream (FIN) once what came before it is out. */
  readonly chunk: Buffer | null;
  readonly dueAt: number;
  readonly afterWrite: (() => void) | undefined;
}

/** One direction of a connection: forwards chunks in order, each no earlier than its due time. */
class DelayedPipe {
  readonly #source: Socket;
  readonly #destination: Socket;
  readonly #onForwarded: (bytes: number) => void;
  #queue: QueuedChunk[] = [];
  #timer: NodeJS.Timeout | undefined;
  #waitingForDrain = false;

  constructor(source: Socket, destination: Socket, onForwarded: (bytes: number) => void) {
    this.#source = source;
    this.#destination = destination;
    this.#onForwarded = onForwarded;
  }

  push(chunk: Buffer | null, delayMs: number, afterWrite?: () => void): void {
    if (delayMs <= 0 && this.#queue.length === 0) {
      this.#write(chunk, afterWrite);
      return;
    }
    this.#queue.push({ chunk, dueAt: performance.now() + delayMs, afterWrite });
    this.#schedule();
  }

  clear(): void {
    this.#queue = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const head = this.#queue[0];
    if (!head || this.#timer) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.max(0, head.dueAt - performance.now()),
    );
  }

  #pump(): void {
    const now = performance.now();
    while (this.#queue[0] && this.#queue[0].dueAt <= now) {
      const next = this.#queue.shift()!;
      this.#write(next.chunk, next.afterWrite);
    }
    this.#schedule();
  }

  #write(chunk: Buffer | null, afterWrite: (() => void) | undefined): void {
    const destination = this.#destination;
    if (destination.destroyed || destination.writableEnded) return;
    if (chunk === null) {
      destination.end();
      return;
    }
    this.#onForwarded(chunk.length);
    const flushed = destination.write(chunk, afterWrite ? () => afterWrite() : undefined);
    if (!flushed && !this.#waitingForDrain) {
      this.#waitingForDrain = true;
      this.#source.pause();
      destination.once('drain', () => {
        this.#waitingForDrain = false;
        this.#source.resume();
      });
    }
  }
}

class ProxyConnection implements ProxiedConnection {
  readonly id: number;
  bytesToServer = 0;
  bytesToClient = 0;
  readonly #client: Socket;
  readonly #upstream: Socket;
  readonly #context: ProxyContext;
  readonly #toServer: DelayedPipe;
  readonly #toClient: DelayedPipe;
  #state: ProxiedConnectionState = 'open';
  /** Set by 'forward-then-reset': the server's next answer proves it ran the statement, then we cut. */
  #cutOnServerReply = false;
  #socketsOpen = 2;

  constructor(id: number, client: Socket, upstream: Socket, context: ProxyContext) {
    this.id = id;
    this.#client = client;
    this.#upstream = upstream;
    this.#context = context;
    this.#toServer = new DelayedPipe(client, upstream, (bytes) => {
      this.bytesToServer += bytes;
      context.countToServer(bytes);
    });
    this.#toClient = new DelayedPipe(upstream, client, (bytes) => {
      this.bytesToClient += bytes;
      context.countToClient(bytes);
    });
    client.setNoDelay(true);
    upstream.setNoDelay(true);

    client.on('data', (chunk: Buffer) => this.#fromClient(chunk));
    upstream.on('data', (chunk: Buffer) => this.#fromServer(chunk));
    client.on('end', () => this.#ended(this.#toServer, this.#client));
    upstream.on('end', () => this.#ended(this.#toClient, this.#upstream));
    // One side failed (ECONNRESET, or the server refused the connect): pass the failure on as a reset,
    // unless the connection is blackholed, where nothing may reach the other side.
    client.on('error', () => this.#failed());
    upstream.on('error', () => this.#failed());
    client.once('close', () => this.#socketClosed());
    upstream.once('close', () => this.#socketClosed());
  }

  get state(): ProxiedConnectionState {
    return this.#state;
  }

  get upstreamLocalPort(): number | undefined {
    return this.#upstream.localPort;
  }

  reset(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#toServer.clear();
    this.#toClient.clear();
    resetSocket(this.#client);
    resetSocket(this.#upstream);
  }

  blackhole(): void {
    if (this.#state !== 'open') return;
    this.#state = 'blackholed';
    this.#toServer.clear();
    this.#toClient.clear();
  }

  /** The proxy is closing: no RST, just release the sockets. */
  dispose(): void {
    this.#state = 'closed';
    this.#toServer.clear();
    this.#toClient.clear();
    this.#client.destroy();
    this.#upstream.destroy();
  }

  #fromClient(chunk: Buffer): void {
    if (this.#state !== 'open') return;
    const hook = this.#context.clientDataHook();
    const action = hook ? hook(chunk, this) : 'forward';
    const latency = this.#context.latencyMs();
    if (action === 'forward') {
      this.#toServer.push(chunk, latency);
    } else if (action === 'drop') {
      // Swallowed on purpose.
    } else if (action === 'reset') {
      this.reset();
    } else if (action === 'forward-then-reset') {
      this.#toServer.push(chunk, latency, () => this.#cutAfterForward());
    } else if (typeof action === 'object' && Number.isFinite(action.holdMs) && action.holdMs >= 0) {
      this.#toServer.push(chunk, latency + action.holdMs);
    } else {
      this.reset();
      throw new HarnessError(
        'HARNESS_INVALID_ARGUMENT',
        `onClientData hook returned ${JSON.stringify(action)}: expected 'forward', 'drop', 'reset', 'forward-then-reset' or { holdMs >= 0 }`,
      );
    }
  }

  #cutAfterForward(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    this.#toClient.clear();
    resetSocket(this.#client);
    this.#cutOnServerReply = true;
    setTimeout(() => resetSocket(this.#upstream), CUT_AFTER_REPLY_TIMEOUT_MS).unref();
  }

  #fromServer(chunk: Buffer): void {
    if (this.#cutOnServerReply) {
      resetSocket(this.#upstream);
      return;
    }
    if (this.#state !== 'open') return;
    this.#toClient.push(chunk, this.#context.latencyMs());
  }

  #ended(pipe: DelayedPipe, from: Socket): void {
    if (this.#state === 'open') {
      pipe.push(null, this.#context.latencyMs());
    } else if (this.#state === 'blackholed' && from === this.#client) {
      // The client gave up and closed: release our end towards it. The server still learns nothing.
      from.destroy();
    }
  }

  #failed(): void {
    if (this.#state === 'open') this.reset();
  }

  #socketClosed(): void {
    this.#socketsOpen -= 1;
    if (this.#state === 'open' && this.#socketsOpen === 1) {
      // One side is gone for good (closed, not ended): do not leave the other waiting.
      this.#client.destroy();
      this.#upstream.destroy();
    }
    if (this.#socketsOpen === 0) {
      this.#state = 'closed';
      this.#toServer.clear();
      this.#toClient.clear();
      this.#context.closed(this);
    }
  }
}

/** RST instead of FIN (SO_LINGER 0), so the peer sees ECONNRESET. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

class TcpFaultProxy implements FaultProxy {
  readonly host = PROXY_HOST;
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  #port = 0;
  #server: Server | undefined;
  #closed = false;
  #refusing = false;
  #latencyMs = 0;
  #hook: ClientDataHook | undefined;
  #nextId = 1;
  readonly #open = new Set<ProxyConnection>();
  #accepted = 0;
  #bytesToServer = 0;
  #bytesToClient = 0;
  #refused = 0;
  readonly #context: ProxyContext;

  constructor(upstreamPort: number, upstreamHost: string) {
    this.upstreamPort = upstreamPort;
    this.upstreamHost = upstreamHost;
    this.#context = {
      latencyMs: () => this.#latencyMs,
      clientDataHook: () => this.#hook,
      countToServer: (bytes) => {
        this.#bytesToServer += bytes;
      },
      countToClient: (bytes) => {
        this.#bytesToClient += bytes;
      },
      closed: (connection) => {
        this.#open.delete(connection);
      },
    };
  }

  get port(): number {
    return this.#port;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  get stats(): FaultProxyStats {
    return Object.freeze({
      accepted: this.#accepted,
      active: this.#open.size,
      bytesToServer: this.#bytesToServer,
      bytesToClient: this.#bytesToClient,
      refused: this.#refused,
    });
  }

  resetStats(): void {
    this.#accepted = 0;
    this.#bytesToServer = 0;
    this.#bytesToClient = 0;
    this.#refused = 0;
  }

  resetAll(): void {
    for (const connection of [...this.#open]) connection.reset();
  }

  blackholeExisting(): void {
    for (const connection of this.#open) connection.blackhole();
  }

  refuseNew(on: boolean): void {
    this.#refusing = on;
  }

  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new HarnessError(
        'HARNESS_INVALID_ARGUMENT',
        `setLatency: expected a number of ms >= 0, got ${ms}`,
      );
    }
    this.#latencyMs = ms;
  }

  onClientData(hook: ClientDataHook | undefined): void {
    this.#hook = hook;
  }

  connections(): ProxiedConnection[] {
    return [...this.#open].filter((connection) => connection.state !== 'closed');
  }

  route<T extends { readonly host: string; readonly port: number }>(settings: T): T {
    return { ...settings, host: this.host, port: this.#port };
  }

  async startListening(): Promise<void> {
    if (this.#closed) throw new HarnessError('HARNESS_DESTROYED', 'the fault proxy is closed');
    if (this.#server) return;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) =>
      this.#accept(socket),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Port 0 the first time; afterwards the same port, so clients configured with it keep working.
      server.listen({ host: this.host, port: this.#port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.#port = address.port;
    this.#server = server;
  }

  async stopListening(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    // close() stops accepting at once; its callback would wait for every connection, which we keep.
    server?.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.stopListening();
    this.#closed = true;
    for (const connection of [...this.#open]) connection.dispose();
    this.#open.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #accept(client: Socket): void {
    if (this.#refusing || this.#closed) {
      this.#refused += 1;
      client.on('error', () => undefined);
      resetSocket(client);
      return;
    }
    this.#accepted += 1;
    const upstream = connect({ host: this.upstreamHost, port: this.upstreamPort, allowHalfOpen: true });
    const connection = new ProxyConnection(this.#nextId++, client, upstream, this.#context);
    this.#open.add(connection);
  }
}

/**
 * A TCP proxy on a free loopback port in front of `upstreamPort`, with faults on demand: resets,
 * half-open (blackholed) connections, refused connects, latency, and per-chunk decisions.
 */
export async function startFaultProxy(
  upstreamPort: number,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  if (!Number.isInteger(upstreamPort) || upstreamPort <= 0 || upstreamPort > 65_535) {
    throw new HarnessError(
      'HARNESS_INVALID_ARGUMENT',
      `startFaultProxy: expected a TCP port, got ${upstreamPort}`,
    );
  }
  const proxy = new TcpFaultProxy(upstreamPort, options.upstreamHost ?? '127.0.0.1');
  await proxy.startListening();
  return proxy;
}
