import { afterEach, describe, expect, it, vi } from 'vitest';
import { classify } from '../classification/classify.js';
import { CONNECT_PHASE } from '../classification/connect-phase.js';
import { desynced, fakeCluster, readOnly, up } from '../cluster/cluster-monitor.fixture.js';
import { GALERA_READ_YOUR_WRITES_SQL, ReaderRouting } from '../cluster/reader-routing.js';
import { WriterRouting } from '../cluster/writer-routing.js';
import { TRACK_LAST_GTID_SQL } from '../cluster/written-gtids.js';
import type { ConnectionDriver } from '../driver/connection-driver.js';
import type { AcquireContext, PoolDriver } from '../driver/pool-driver.js';
import type { GoneAwayEvent } from '../events/event-types.js';
import type { GoneAwayOptions } from '../policy/options.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { ConnectionPipeline } from './connection-pipeline.js';

/** A fake driver connection: what a server said about it, and what goneaway did to it. */
interface FakeConnection {
  readonly id: number;
  waitTimeout: number;
  maxAllowedPacket: number;
  broken: boolean;
  idle: boolean;
  destroyed: boolean;
  closedPolitely: boolean;
  queries: string[];
  keepAliveMs: number | undefined;
  failLimits?: Error;
  pingError?: Error;
  errorListener?: (error: unknown) => void;
}

let nextId = 1;
function fakeConnection(overrides: Partial<FakeConnection> = {}): FakeConnection {
  return {
    id: nextId++,
    waitTimeout: 28_800,
    maxAllowedPacket: 1024,
    broken: false,
    idle: true,
    destroyed: false,
    closedPolitely: false,
    queries: [],
    keepAliveMs: undefined,
    ...overrides,
  };
}

/** A statement as the fake adapter measures it: the bytes it would send. */
interface FakeStatement {
  readonly bytes: number;
}

const driver: ConnectionDriver<FakeConnection, FakeStatement> = {
  isBroken: (connection) => connection.broken || connection.destroyed,
  ping: (connection, callback) => queueMicrotask(() => callback(connection.pingError)),
  query: async (connection, sql) => {
    connection.queries.push(sql);
    if (connection.failLimits) throw connection.failLimits;
    return [
      {
        wait_timeout: connection.waitTimeout,
        interactive_timeout: connection.waitTimeout,
        max_allowed_packet: connection.maxAllowedPacket,
        read_only: 0,
        super_read_only: 0,
        version: '10.11.19-MariaDB',
        connection_id: connection.id,
      },
    ];
  },
  destroy: (connection) => {
    connection.destroyed = true;
  },
  closePolitely: (connection) => {
    connection.closedPolitely = true;
  },
  isIdle: (connection) => connection.idle,
  setKeepAlive: (connection, delay) => {
    connection.keepAliveMs = delay;
  },
  onError: (connection, listener) => {
    connection.errorListener = listener;
  },
  packetBytes: (_connection, statement, max) => (statement.bytes < max / 2 ? undefined : statement.bytes),
};

function setup(options: GoneAwayOptions = {}) {
  const pipeline = new ConnectionPipeline(parsePolicy({ name: 'db', ...options }), driver);
  const events: GoneAwayEvent[] = [];
  pipeline.hub.subscribe((event) => events.push(event));
  return { pipeline, events, types: () => events.map((event) => event.type) };
}

/** The first attempt of a call with a minute of outage budget left. */
const context = (): AcquireContext => ({ attempt: 1, deadline: performance.now() + 60_000 });

/** A pool of fake connections: free ones to hand out, and a count of those it created. */
function fakePool(free: FakeConnection[] = []) {
  const released: FakeConnection[] = [];
  const destroyed: FakeConnection[] = [];
  let created = 0;
  const pool: PoolDriver<FakeConnection> = {
    wouldConnect: () => free.length === 0,
    acquire: async () => free.shift() as FakeConnection,
    create: async () => {
      created++;
      return fakeConnection();
    },
    release: (connection) => released.push(connection),
    destroy: (connection) => {
      connection.destroyed = true;
      destroyed.push(connection);
    },
    target: () => '127.0.0.1:3306',
  };
  return { pool, free, released, destroyed, created: () => created };
}

const lostError = () =>
  Object.assign(new Error('Connection lost: The server closed the connection.'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  });

afterEach(() => {
  vi.useRealTimers();
});

describe('ConnectionPipeline: adoption', () => {
  it('reads the limits once per connection, sets keepalive, and reports limits-discovered once per distinct limits', async () => {
    const { pipeline, events } = setup({ keepAliveInitialDelayMs: 5_000 });
    const a = fakeConnection();
    const b = fakeConnection();
    const [stateA, again] = await Promise.all([pipeline.adopt(a), pipeline.adopt(a)]);
    expect(again).toBe(stateA);
    expect(a.queries).toHaveLength(1);
    expect(a.keepAliveMs).toBe(5_000);
    expect(stateA.connectionId).toBe(a.id);
    expect(pipeline.stateOf(a)).toBe(stateA);
    await pipeline.adopt(b);
    expect(events.filter((event) => event.type === 'limits-discovered')).toHaveLength(1);
    // A server with other limits (a failover, a restart with another wait_timeout) is reported again.
    await pipeline.adopt(fakeConnection({ waitTimeout: 60 }));
    expect(events.filter((event) => event.type === 'limits-discovered')).toHaveLength(2);
  });

  it('reports limit-capped when an option had to be lowered below the server limit', async () => {
    const { pipeline, events } = setup({ idleLimitMs: 600_000 });
    await pipeline.adopt(fakeConnection({ waitTimeout: 60 }));
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'limit-capped',
        option: 'idleLimitMs',
        requestedMs: 600_000,
        waitTimeoutSeconds: 60,
      }),
    );
  });

  it('marks a failed limits read as part of connecting, and remembers nothing', async () => {
    const { pipeline } = setup();
    const failing = fakeConnection({ failLimits: lostError() });
    const error = await pipeline.adopt(failing).catch((caught: unknown) => caught);
    expect((error as Record<symbol, unknown>)[CONNECT_PHASE]).toBe(true);
    expect(pipeline.stateOf(failing)).toBeUndefined();
    expect(pipeline.adopting(failing)).toBeUndefined();
  });

  it('waits for a handshake under way and shares its failure', async () => {
    const { pipeline } = setup();
    const connection = fakeConnection();
    const handshake = new Error('Access denied');
    await expect(pipeline.adopt(connection, Promise.reject(handshake))).rejects.toBe(handshake);
    expect(connection.queries).toHaveLength(0);
  });

  it('an idle error makes the connection unusable, suspects the others and reports one eviction', async () => {
    const { pipeline, events } = setup();
    const connection = fakeConnection();
    const state = await pipeline.adopt(connection);
    connection.errorListener?.(lostError());
    connection.errorListener?.(lostError());
    expect(state.unusable?.kind).toBe('connection-lost');
    expect(pipeline.isDead(connection)).toBe(true);
    expect(pipeline.validate(connection)).toBe(false);
    expect(events.filter((event) => event.type === 'evicted')).toMatchObject([
      { reason: 'error', connectionId: connection.id },
    ]);
  });
});

describe('ConnectionPipeline: hand-out', () => {
  it('hands out a recently used connection without a ping, and pings one idle past the bypass window', async () => {
    vi.useFakeTimers({ toFake: ['performance', 'Date'] });
    const { pipeline } = setup({ validation: { bypassWindowMs: 1_000 } });
    const connection = fakeConnection();
    await pipeline.adopt(connection);
    expect(pipeline.validate(connection)).toBe(true);
    pipeline.released(connection);
    vi.advanceTimersByTime(5_000);
    const verdict = pipeline.validate(connection);
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toBe(true);
    expect(pipeline.stats().validationPings).toBe(1);
  });

  it('passes a connection it never adopted unless the driver knows it is broken', () => {
    const { pipeline } = setup();
    expect(pipeline.validate(fakeConnection())).toBe(true);
    expect(pipeline.validate(fakeConnection({ broken: true }))).toBe(false);
  });

  it('acquire: creates through the gate, adopts, and destroys a connection that fails its check before trying the next', async () => {
    const { pipeline } = setup();
    const bad = fakeConnection({ broken: true });
    const { pool, destroyed, created } = fakePool([bad]);
    await pipeline.adopt(bad);
    const connection = await pipeline.acquire(pool, context());
    expect(destroyed).toEqual([bad]);
    expect(created()).toBe(1);
    expect(pipeline.stateOf(connection)).toBeDefined();
    expect(pipeline.stats().connectAttempts).toBe(1);
  });

  it('acquire: a create that fails is marked as a connect failure with its target, its connection destroyed', async () => {
    const { pipeline } = setup();
    const { pool, destroyed } = fakePool();
    const half = fakeConnection({ failLimits: lostError() });
    pool.create = async () => half;
    const error = await pipeline.acquire(pool, context()).catch((caught: unknown) => caught);
    expect((error as Record<symbol, unknown>)[CONNECT_PHASE]).toBe(true);
    expect(destroyed).toEqual([half]);
  });
});

describe('ConnectionPipeline: statements', () => {
  it('tracks transaction boundaries and, for a held connection, session state', async () => {
    const { pipeline } = setup();
    const connection = fakeConnection();
    const state = await pipeline.adopt(connection);
    expect(pipeline.beforeStatement(connection, state, 'BEGIN', undefined, true)).toBeUndefined();
    expect([state.inTransaction, state.statementInTransaction]).toEqual([true, true]);
    // The COMMIT runs inside the transaction it ends (its loss is an unknown outcome); after it, none.
    pipeline.beforeStatement(connection, state, 'COMMIT', undefined, true);
    expect([state.inTransaction, state.statementInTransaction]).toEqual([false, true]);
    pipeline.beforeStatement(connection, state, 'SELECT 1', undefined, true);
    expect(state.statementInTransaction).toBe(false);
    pipeline.beforeStatement(
      connection,
      state,
      'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
      undefined,
      true,
    );
    expect(state.inTransaction).toBe(true);
    pipeline.released(connection);
    expect(state.inTransaction).toBe(false);
    pipeline.beforeStatement(connection, state, "SET @tenant = 'a'", undefined, false);
    expect(state.pinned).toBe(false);
    pipeline.beforeStatement(connection, state, "SET @tenant = 'a'", undefined, true);
    expect(state.pinned).toBe(true);
  });

  it('refuses a packet over max_allowed_packet before sending, with a packet-rejected event that holds no values', async () => {
    const { pipeline, events } = setup();
    const connection = fakeConnection({ maxAllowedPacket: 1024 });
    const state = await pipeline.adopt(connection);
    expect(
      pipeline.beforeStatement(connection, state, 'INSERT INTO t VALUES (?)', { bytes: 100 }, false),
    ).toBeUndefined();
    const refusal = pipeline.beforeStatement(
      connection,
      state,
      "INSERT INTO t VALUES ('secret')",
      { bytes: 5_000 },
      false,
    );
    expect(refusal).toMatchObject({
      code: 'GONEAWAY_PACKET_TOO_LARGE',
      packetBytes: 5_000,
      maxAllowedPacket: 1024,
    });
    const rejected = events.find((event) => event.type === 'packet-rejected');
    expect(rejected).toMatchObject({ packetBytes: 5_000, maxAllowedPacket: 1024 });
    expect(JSON.stringify(rejected)).not.toContain('secret');
    // The guard is an option.
    const off = setup({ packetGuard: false });
    const other = fakeConnection();
    const otherState = await off.pipeline.adopt(other);
    expect(
      off.pipeline.beforeStatement(other, otherState, 'INSERT 1', { bytes: 5_000 }, false),
    ).toBeUndefined();
  });

  it('types a lost held connection: ConnectionLost outside a transaction, TransactionLost inside, then every later statement of it', async () => {
    const { pipeline, events } = setup();
    const connection = fakeConnection();
    const state = await pipeline.adopt(connection);
    const outside = pipeline.statementFailed(connection, state, 'SELECT 1', false, true, lostError());
    expect(outside).toMatchObject({ code: 'GONEAWAY_CONNECTION_LOST' });
    expect(events.filter((event) => event.type === 'evicted')).toHaveLength(1);

    const other = fakeConnection();
    const otherState = await pipeline.adopt(other);
    pipeline.beforeStatement(other, otherState, 'BEGIN', undefined, true);
    const inside = pipeline.statementFailed(other, otherState, 'UPDATE t SET a = 1', true, true, lostError());
    expect(inside).toMatchObject({ code: 'GONEAWAY_TRANSACTION_LOST' });
    expect(pipeline.beforeStatement(other, otherState, 'SELECT 1', undefined, true)).toBe(inside);
    expect(pipeline.beforeStatement(other, otherState, 'ROLLBACK', undefined, true)).toBe(inside);
  });

  it('a lost COMMIT is an unknown outcome; a pool statement keeps the driver error for the retry engine', async () => {
    const { pipeline } = setup();
    const connection = fakeConnection();
    const state = await pipeline.adopt(connection);
    state.inTransaction = true;
    expect(pipeline.statementFailed(connection, state, 'COMMIT', true, true, lostError())).toMatchObject({
      code: 'GONEAWAY_COMMIT_UNKNOWN',
    });
    const pooled = fakeConnection();
    const pooledState = await pipeline.adopt(pooled);
    const error = lostError();
    expect(pipeline.statementFailed(pooled, pooledState, 'SELECT 1', false, false, error)).toBe(error);
    expect(pipeline.isDead(pooled)).toBe(true);
  });

  it("a held statement over its own timeout keeps the driver's error outside a transaction, and the connection is destroyed", async () => {
    const { pipeline } = setup();
    const connection = fakeConnection();
    const state = await pipeline.adopt(connection);
    const timeout = Object.assign(new Error('Query inactivity timeout'), {
      code: 'PROTOCOL_SEQUENCE_TIMEOUT',
      fatal: true,
    });
    expect(pipeline.statementFailed(connection, state, 'SELECT SLEEP(5)', false, true, timeout)).toBe(
      timeout,
    );
    expect(connection.destroyed).toBe(true);
  });

  it('a refusal that leaves the connection usable evicts nothing; read-only evicts only with evictOnReadOnly', async () => {
    const readOnly = {
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
      sqlState: 'HY000',
      message: 'read-only',
    };
    for (const evictOnReadOnly of [true, false]) {
      const { pipeline } = setup({ evictOnReadOnly });
      const connection = fakeConnection();
      const state = await pipeline.adopt(connection);
      pipeline.statementFailed(connection, state, 'INSERT 1', false, false, {
        code: 'ER_DUP_ENTRY',
        errno: 1062,
      });
      expect(state.unusable).toBeUndefined();
      pipeline.statementFailed(connection, state, 'INSERT 1', false, false, readOnly);
      expect(pipeline.stats().evictions['read-only']).toBe(evictOnReadOnly ? 1 : 0);
    }
  });
});

describe('ConnectionPipeline: retirement and lifecycle', () => {
  it('retires an idle connection politely before its idle limit, once, and not one handed out or busy', async () => {
    vi.useFakeTimers();
    // No lifetime limit: the idle limit is what retires it.
    const { pipeline, events } = setup({ maxLifetimeMs: false });
    const idle = fakeConnection({ waitTimeout: 2 });
    const busy = fakeConnection({ waitTimeout: 2 });
    await pipeline.adopt(idle);
    await pipeline.adopt(busy);
    pipeline.released(idle);
    pipeline.released(busy);
    busy.idle = false;
    vi.advanceTimersByTime(2_500);
    expect(idle.closedPolitely).toBe(true);
    expect(busy.closedPolitely).toBe(false);
    expect(events.filter((event) => event.type === 'evicted')).toMatchObject([
      { reason: 'idle-limit', connectionId: idle.id },
    ]);
    // A pool that still holds the retired connection is told at its next hand-out.
    expect(pipeline.validate(idle)).toBe(false);
    const handedOut = fakeConnection({ waitTimeout: 2 });
    await pipeline.adopt(handedOut);
    expect(pipeline.validate(handedOut)).toBe(true);
    vi.advanceTimersByTime(5_000);
    expect(handedOut.closedPolitely).toBe(false);
  });

  it('retires nothing when the driver cannot close politely (the library pool retires its own)', async () => {
    vi.useFakeTimers();
    const pipeline = new ConnectionPipeline(parsePolicy({}), { ...driver, closePolitely: undefined });
    const connection = fakeConnection({ waitTimeout: 2 });
    await pipeline.adopt(connection);
    pipeline.released(connection);
    vi.advanceTimersByTime(10_000);
    expect(pipeline.stats().events.evicted ?? 0).toBe(0);
  });

  it('close ends the engine and gate; reopen gives new ones while counters and events go on', async () => {
    const { pipeline } = setup();
    const { pool } = fakePool();
    await pipeline.acquire(pool, context());
    const [retry, gate] = [pipeline.retry, pipeline.gate];
    pipeline.close();
    expect(pipeline.closed).toBe(true);
    pipeline.reopen();
    expect(pipeline.closed).toBe(false);
    expect(pipeline.retry).not.toBe(retry);
    expect(pipeline.gate).not.toBe(gate);
    await pipeline.acquire(pool, context());
    expect(pipeline.stats().connectAttempts).toBe(2);
  });

  it('gives each pool its own hub, engine, gate and validator', () => {
    const policy = parsePolicy({});
    const [a, b] = [new ConnectionPipeline(policy, driver), new ConnectionPipeline(policy, driver)];
    expect(a.hub).not.toBe(b.hub);
    expect(a.retry).not.toBe(b.retry);
    expect(a.gate).not.toBe(b.gate);
    expect(a.validator).not.toBe(b.validator);
  });
});

describe('ConnectionPipeline: routed to a cluster writer', () => {
  /** A pipeline routed over a fake cluster of two hosts, `a` (the writer) and `b`; connections carry their host. */
  async function routed() {
    const fake = fakeCluster({ hosts: ['10.0.0.1:3306', '10.0.0.2:3306'], flavor: 'replication' });
    fake.set('10.0.0.1:3306', up());
    fake.set('10.0.0.2:3306', readOnly);
    const routing = new WriterRouting({ monitor: fake.monitor, release: () => fake.monitor.close() });
    const hosts = new WeakMap<FakeConnection, string>();
    const pipeline = new ConnectionPipeline(parsePolicy({}), {
      ...driver,
      hostOf: (connection) => hosts.get(connection),
    });
    pipeline.route(routing);
    fake.monitor.start();
    await fake.settle();
    const on = async (host: string) => {
      const connection = fakeConnection();
      hosts.set(connection, host);
      return { connection, state: await pipeline.adopt(connection) };
    };
    return { fake, routing, pipeline, on };
  }

  it('hands out a connection to the writer, and sweeps one to an old writer as writer-changed', async () => {
    const { fake, pipeline, on } = await routed();
    expect(await pipeline.routing?.target()).toEqual({ host: '10.0.0.1', port: 3306 });
    const { connection, state } = await on('10.0.0.1:3306');
    expect(state.host).toBe('10.0.0.1:3306');
    expect(pipeline.validate(connection)).toBe(true);
    // A failover: a is demoted, b promoted.
    fake.set('10.0.0.1:3306', readOnly);
    fake.set('10.0.0.2:3306', up());
    await fake.advance(2_000);
    expect(fake.monitor.currentWriter()).toEqual({ host: '10.0.0.2', port: 3306 });
    expect(pipeline.validate(connection)).toBe(false);
    expect(pipeline.stats().evictions['writer-changed']).toBe(1);
    // stats() says which host is the writer and how each host is, from the shared monitor.
    expect(pipeline.stats().cluster).toEqual({
      role: 'writer',
      targets: ['10.0.0.2:3306'],
      writer: '10.0.0.2:3306',
      hosts: [
        {
          host: '10.0.0.1:3306',
          state: 'read-only',
          reason: 'fake read-only',
          writer: false,
          failedProbes: 0,
        },
        { host: '10.0.0.2:3306', state: 'up', reason: 'fake up', writer: true, failedProbes: 0 },
      ],
    });
    pipeline.close();
    // Without a cluster, no cluster field.
    expect(new ConnectionPipeline(parsePolicy({}), driver).stats().cluster).toBeUndefined();
  });

  it('a held connection to an old writer sends nothing: a statement outside a transaction gets a connect failure the engine retries, one inside loses the transaction', async () => {
    const { fake, pipeline, on } = await routed();
    const outside = await on('10.0.0.1:3306');
    const inside = await on('10.0.0.1:3306');
    pipeline.beforeStatement(inside.connection, inside.state, 'BEGIN', undefined, true);
    fake.set('10.0.0.1:3306', readOnly);
    fake.set('10.0.0.2:3306', up());
    await fake.advance(2_000);
    const refused = pipeline.beforeStatement(
      outside.connection,
      outside.state,
      'INSERT INTO t VALUES (1)',
      undefined,
      true,
    );
    expect(classify(refused)).toMatchObject({ kind: 'connect-failed', sent: 'no', retry: 'safe' });
    // Its holder gets a ConnectionLostError saying nothing ran (its adapter runs it again elsewhere);
    // a pool's own statement gets the connect failure itself, for the retry engine.
    expect(refused).toMatchObject({ code: 'GONEAWAY_CONNECTION_LOST' });
    expect(pipeline.isDead(outside.connection)).toBe(true);
    const pooled = await on('10.0.0.1:3306');
    const pooledRefusal = pipeline.beforeStatement(
      pooled.connection,
      pooled.state,
      'INSERT 2',
      undefined,
      false,
    );
    expect((pooledRefusal as { code?: unknown }).code).toBeUndefined();
    expect(classify(pooledRefusal)).toMatchObject({ kind: 'connect-failed', sent: 'no', retry: 'safe' });
    const lost = pipeline.beforeStatement(
      inside.connection,
      inside.state,
      'UPDATE t SET a = 1',
      undefined,
      true,
    );
    expect(lost).toMatchObject({ code: 'GONEAWAY_TRANSACTION_LOST' });
    pipeline.close();
  });

  it('a write refused as read-only (a switchover) never ran: outside a transaction it is a connect failure the engine runs again, inside one the transaction is lost', async () => {
    const { pipeline, on } = await routed();
    const refusal = {
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
      message:
        'The MariaDB server is running with the --read-only option so it cannot execute this statement',
    };
    const outside = await on('10.0.0.1:3306');
    const moved = pipeline.statementFailed(
      outside.connection,
      outside.state,
      'INSERT 1',
      false,
      false,
      refusal,
    );
    expect(classify(moved)).toMatchObject({ kind: 'connect-failed', sent: 'no', retry: 'safe' });
    expect(pipeline.isDead(outside.connection)).toBe(true);
    const inside = await on('10.0.0.1:3306');
    const lost = pipeline.statementFailed(inside.connection, inside.state, 'INSERT 1', true, true, refusal);
    expect(lost).toMatchObject({ code: 'GONEAWAY_TRANSACTION_LOST' });
    // Without a cluster the refusal stays the driver's error (nothing says another host would take it).
    const plain = new ConnectionPipeline(parsePolicy({}), driver);
    const alone = fakeConnection();
    const state = await plain.adopt(alone);
    expect(plain.statementFailed(alone, state, 'INSERT 1', false, false, refusal)).toBe(refusal);
    pipeline.close();
  });

  it('a host that stops answering (a crash, a blackhole) has every connection to it cut, busy ones included; a demoted writer that still answers keeps its statements running', async () => {
    const { fake, pipeline, on } = await routed();
    const busy = await on('10.0.0.1:3306');
    const idle = await on('10.0.0.1:3306');
    pipeline.released(idle.connection);
    fake.set('10.0.0.1:3306', 'hang-query');
    await fake.advance(10_000, 50);
    expect(fake.monitor.stateOf('10.0.0.1:3306')).toBe('down');
    expect([busy.connection.destroyed, idle.connection.destroyed]).toEqual([true, true]);
    fake.set('10.0.0.2:3306', up());
    await fake.advance(2_000);
    expect(fake.monitor.currentWriter()).toEqual({ host: '10.0.0.2', port: 3306 });
    expect(pipeline.stats().evictions['writer-changed']).toBe(2);
    pipeline.close();

    const demoted = await routed();
    const running = await demoted.on('10.0.0.1:3306');
    demoted.fake.set('10.0.0.1:3306', readOnly);
    demoted.fake.set('10.0.0.2:3306', up());
    await demoted.fake.advance(2_000);
    expect(demoted.fake.monitor.currentWriter()).toEqual({ host: '10.0.0.2', port: 3306 });
    expect(running.connection.destroyed).toBe(false);
    demoted.pipeline.close();
  });

  it('a read-only refusal on the writer has that host probed at once', async () => {
    const { fake, pipeline, on } = await routed();
    const { connection, state } = await on('10.0.0.1:3306');
    const probesBefore = fake.probes.get('10.0.0.1:3306') ?? 0;
    pipeline.statementFailed(connection, state, 'INSERT 1', false, false, {
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
      message: 'The MariaDB server is running with the --read-only option',
    });
    await fake.settle();
    expect(fake.probes.get('10.0.0.1:3306') ?? 0).toBeGreaterThan(probesBefore);
    pipeline.close();
  });
});

describe("ConnectionPipeline: routed to a cluster's readers (role: reader)", () => {
  const [A, B, C] = ['10.0.0.1:3306', '10.0.0.2:3306', '10.0.0.3:3306'];

  async function readers(readYourWrites = false) {
    const options = {
      hosts: [A, B, C],
      flavor: 'galera' as const,
      readers: { enabled: true },
      readYourWrites,
    };
    const fake = fakeCluster(options);
    fake.set(A, up(0));
    fake.set(B, up(1));
    fake.set(C, up(2));
    const routing = new ReaderRouting(
      { monitor: fake.monitor, release: () => fake.monitor.close() },
      fake.cluster,
    );
    const hosts = new WeakMap<FakeConnection, string>();
    const pipeline = new ConnectionPipeline(parsePolicy({ cluster: options, role: 'reader' }), {
      ...driver,
      hostOf: (connection) => hosts.get(connection),
    });
    pipeline.route(routing);
    fake.monitor.start();
    await fake.settle();
    const on = async (host: string) => {
      const connection = fakeConnection();
      hosts.set(connection, host);
      return { connection, state: await pipeline.adopt(connection) };
    };
    return { fake, pipeline, on };
  }

  it('spreads over the readers by its own connection counts; a reader leaving the rotation has its connections swept as left-rotation', async () => {
    const { fake, pipeline, on } = await readers();
    const first = await pipeline.routing?.target();
    const firstKey = `${first?.host}:${first?.port}`;
    await on(firstKey);
    const second = await pipeline.routing?.target();
    // The pipeline counts its connections per host: the second goes to the other reader.
    expect([firstKey, `${second?.host}:${second?.port}`].sort()).toEqual([B, C]);
    const onB = await on(B);
    expect(pipeline.validate(onB.connection)).toBe(true);
    const held = await on(B);
    fake.set(B, desynced);
    await fake.advance(2_000);
    expect(pipeline.validate(onB.connection)).toBe(false);
    // A held connection's next statement is refused before it is sent, a connect failure run again elsewhere.
    const refused = pipeline.beforeStatement(held.connection, held.state, 'SELECT 1', undefined, false);
    expect((refused as Record<symbol, unknown>)[CONNECT_PHASE]).toBe(true);
    expect(String((refused as Error).message)).toMatch(/reader rotation/);
    expect(pipeline.stats().evictions['left-rotation']).toBe(2);
    expect(pipeline.stats().cluster).toMatchObject({ role: 'reader', targets: [C], writer: A });
    pipeline.close();
  });

  it("a write refused as read-only on a reader stays the server's error: never moved to the writer", async () => {
    const { pipeline, on } = await readers();
    const { connection, state } = await on(B);
    const refusal = {
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
      message:
        'The MariaDB server is running with the --read-only option so it cannot execute this statement',
    };
    expect(pipeline.statementFailed(connection, state, 'INSERT 1', false, false, refusal)).toBe(refusal);
    pipeline.close();
  });

  it('read-your-writes: each new Galera reader connection runs SET SESSION wsrep_sync_wait = 1 when adopted', async () => {
    const { pipeline, on } = await readers(true);
    const { connection } = await on(B);
    expect(connection.queries).toContain(GALERA_READ_YOUR_WRITES_SQL);
    pipeline.close();
    const plain = await readers(false);
    const other = await plain.on(B);
    expect(other.connection.queries).not.toContain(GALERA_READ_YOUR_WRITES_SQL);
    plain.pipeline.close();
  });

  it("refuses a routing whose role is not the policy's: an adapter that routes only to writers cannot ignore role: reader", async () => {
    const fake = fakeCluster({ hosts: [A, B], flavor: 'galera', readers: { enabled: true } });
    let released = 0;
    const pipeline = new ConnectionPipeline(
      parsePolicy({
        cluster: { hosts: [A, B], flavor: 'galera', readers: { enabled: true } },
        role: 'reader',
      }),
      driver,
    );
    expect(() =>
      pipeline.route(
        new WriterRouting({
          monitor: fake.monitor,
          release: () => {
            released += 1;
          },
        }),
      ),
    ).toThrow(expect.objectContaining({ code: 'GONEAWAY_CONFIG', message: expect.stringMatching(/role/) }));
    expect(released).toBe(1);
    fake.monitor.close();
  });

  it('replication read-your-writes: a writer pool tracks last_gtid on each new session and records the GTID a commit reports', async () => {
    for (const readYourWrites of [true, false]) {
      const options = {
        hosts: [A, B],
        flavor: 'replication' as const,
        readers: { enabled: true },
        readYourWrites,
      };
      const fake = fakeCluster(options);
      fake.set(A, up());
      const routing = new WriterRouting(
        { monitor: fake.monitor, release: () => fake.monitor.close() },
        fake.cluster,
      );
      const pipeline = new ConnectionPipeline(parsePolicy({ cluster: options }), {
        ...driver,
        hostOf: () => A,
      });
      pipeline.route(routing);
      const connection = fakeConnection();
      await pipeline.adopt(connection);
      expect(connection.queries.includes(TRACK_LAST_GTID_SQL)).toBe(readYourWrites);
      pipeline.statementSucceeded([
        { affectedRows: 1, stateChanges: { systemVariables: { last_gtid: '0-1-5' } } },
      ]);
      expect(fake.monitor.writtenGtids.position()).toBe(readYourWrites ? '0-1-5' : undefined);
      pipeline.close();
    }
  });
});
