import { describe, expect, it } from 'vitest';
import { CONNECT_PHASE } from '../classification/connect-phase.js';
import { PooledConnectionState } from '../connections/pooled-connection-state.js';
import { desynced, fakeCluster, up } from './cluster-monitor.fixture.js';
import type { ClusterOptions } from './cluster-options.js';
import type { ProbeResult } from './probe-result.js';
import { GALERA_READ_YOUR_WRITES_SQL, ReaderRouting } from './reader-routing.js';

const A = '10.0.0.1:3306';
const B = '10.0.0.2:3306';
const C = '10.0.0.3:3306';

const readOnlyReplica: ProbeResult = {
  state: 'read-only',
  reason: 'replica',
  replication: { readOnly: true, innodbReadOnly: false, superReadOnly: false, lagMs: 0 },
};
const limits = {} as ConstructorParameters<typeof PooledConnectionState>[1];
const derived = {} as ConstructorParameters<typeof PooledConnectionState>[2];

/** A 3-node fake Galera cluster (a is the writer: lowest index) and a ReaderRouting over it. */
async function galera(readers: Partial<NonNullable<ClusterOptions['readers']>> = {}, readYourWrites = false) {
  const fake = fakeCluster({
    hosts: [A, B, C],
    flavor: 'galera',
    readers: { enabled: true, ...readers },
    readYourWrites,
  });
  fake.set(A, up(0));
  fake.set(B, up(1));
  fake.set(C, up(2));
  let released = 0;
  const routing = new ReaderRouting(
    {
      monitor: fake.monitor,
      release: () => {
        released += 1;
      },
    },
    fake.cluster,
  );
  fake.monitor.start();
  await fake.settle();
  return { fake, routing, released: () => released };
}

describe('ReaderRouting', () => {
  it('spreads new connections over the non-writer nodes, fewest connections first', async () => {
    const { routing } = await galera();
    const open = new Map<string, number>();
    routing.countConnectionsWith((key) => open.get(key) ?? 0);
    for (let i = 0; i < 6; i++) {
      const target = await routing.target();
      const key = `${target.host}:${target.port}`;
      open.set(key, (open.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(open)).toEqual({ [B]: 3, [C]: 3 });
    // A host that already holds more connections is passed over until the other catches up.
    open.set(B, 10);
    expect(await routing.target()).toEqual({ host: '10.0.0.3', port: 3306 });
    expect(routing.targets()).toEqual([B, C]);
    expect(routing.isCurrent(A)).toBe(false);
  });

  it('a node that leaves the rotation is no longer current, and comes back when its probe finds it Synced', async () => {
    const { fake, routing } = await galera();
    expect(routing.isCurrent(B)).toBe(true);
    fake.set(B, desynced);
    await fake.advance(2_000);
    expect(routing.isCurrent(B)).toBe(false);
    expect(routing.readers()).toEqual([C]);
    fake.set(B, up(1));
    await fake.advance(2_000);
    expect(routing.isCurrent(B)).toBe(true);
  });

  it('no reader up: falls back to the writer (current only while no reader is back)', async () => {
    const { fake, routing } = await galera();
    fake.set(B, desynced);
    fake.set(C, 'refuse');
    await fake.advance(3_000);
    expect(await routing.target()).toEqual({ host: '10.0.0.1', port: 3306 });
    expect(routing.isCurrent(A)).toBe(true);
    expect(routing.targets()).toEqual([A]);
    fake.set(B, up(1));
    await fake.advance(2_000);
    // A reader is back: connections to the writer leave (the pipeline sweeps them).
    expect(routing.isCurrent(A)).toBe(false);
    expect(await routing.target()).toEqual({ host: '10.0.0.2', port: 3306 });
  });

  it('without fallback, no reader within the deadline is GONEAWAY_UNAVAILABLE naming every host, a connect failure', async () => {
    const { fake, routing } = await galera({ fallbackToWriter: false });
    fake.set(B, desynced);
    fake.set(C, desynced);
    await fake.advance(2_000);
    expect(routing.targets()).toEqual([]);
    expect(routing.isCurrent(A)).toBe(false);
    const error = await routing.target(performance.now() + 30).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'GONEAWAY_UNAVAILABLE' });
    expect(String((error as Error).message)).toMatch(/no reader in the cluster's rotation/);
    for (const key of [A, B, C]) expect((error as Error).message).toContain(key);
    expect((error as Record<symbol, unknown>)[CONNECT_PHASE]).toBe(true);
  });

  it('with fallback but neither a reader nor a writer within the deadline: GONEAWAY_UNAVAILABLE saying both', async () => {
    const { fake, routing } = await galera();
    for (const key of [A, B, C]) fake.set(key, desynced);
    await fake.advance(2_000);
    const error = await routing.target(performance.now() + 30).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'GONEAWAY_UNAVAILABLE' });
    expect(String((error as Error).message)).toMatch(
      /no reader in the cluster's rotation and no writer to fall back to/,
    );
  });

  it("a new monitor: waits for the replicas' first probes rather than start on the writer that answered first", async () => {
    const fake = fakeCluster({ hosts: [A, B], flavor: 'galera', readers: { enabled: true } });
    fake.set(A, up(0));
    fake.set(B, 'hang-connect');
    const routing = new ReaderRouting({ monitor: fake.monitor, release: () => undefined }, fake.cluster);
    fake.monitor.start();
    await fake.settle();
    expect(fake.monitor.currentWriter()).toEqual({ host: '10.0.0.1', port: 3306 });
    let chosen: unknown;
    const choosing = routing.target(performance.now() + 60_000).then((host) => {
      chosen = host;
    });
    await fake.settle();
    expect(chosen).toBeUndefined();
    fake.set(B, up(1));
    for (const resolve of fake.lateResolvers) resolve();
    await fake.settle();
    await choosing;
    expect(chosen).toEqual({ host: '10.0.0.2', port: 3306 });
    fake.monitor.close();
  });

  it('a waiting target resolves as soon as a reader comes back', async () => {
    const { fake, routing } = await galera({ fallbackToWriter: false });
    fake.set(B, desynced);
    fake.set(C, desynced);
    await fake.advance(2_000);
    const waiting = routing.target(performance.now() + 60_000);
    fake.set(C, up(2));
    await fake.advance(2_000);
    expect(await waiting).toEqual({ host: '10.0.0.3', port: 3306 });
  });

  it('a read-only refusal (a write sent through the reader pool) does not make the replica suspect; a lost connection does', async () => {
    const { fake, routing } = await galera();
    const before = fake.probes.get(B) ?? 0;
    routing.failed(B, {
      kind: 'read-only',
      sent: 'yes',
      connection: 'usable',
      retry: 'never',
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
      hint: '',
    });
    await fake.settle();
    expect(fake.probes.get(B) ?? 0).toBe(before);
    expect(fake.monitor.stateOf(B)).toBe('up');
    routing.failed(B, {
      kind: 'connection-lost',
      sent: 'maybe',
      connection: 'dispose',
      retry: 'if-idempotent',
      code: 'PROTOCOL_CONNECTION_LOST',
      errno: undefined,
      hint: '',
    });
    await fake.settle();
    expect(fake.probes.get(B) ?? 0).toBeGreaterThan(before);
  });

  it('Galera read-your-writes sets wsrep_sync_wait on each new reader connection; close gives the lease back once', async () => {
    const plain = await galera();
    expect(plain.routing.sessionStatements).toEqual([]);
    const { routing, released } = await galera({}, true);
    expect(routing.sessionStatements).toEqual([GALERA_READ_YOUR_WRITES_SQL]);
    routing.close();
    routing.close();
    expect(released()).toBe(1);
  });

  it("replication read-your-writes: waits for the writers' GTIDs once per new write; a replica that times out leaves the rotation and reads go to the writer", async () => {
    const fake = fakeCluster({
      hosts: [A, B],
      flavor: 'replication',
      readers: { enabled: true, fallbackToWriter: false, maxLagMs: 2_000 },
      readYourWrites: true,
    });
    const replica = { ...readOnlyReplica };
    fake.set(A, up());
    fake.set(B, replica);
    const routing = new ReaderRouting({ monitor: fake.monitor, release: () => undefined }, fake.cluster);
    fake.monitor.start();
    await fake.settle();
    const state = new PooledConnectionState(1, limits, derived);
    state.host = B;
    const sent: string[] = [];
    let answer = 0;
    const query = async (sql: string) => {
      sent.push(sql);
      return [{ caught_up: answer }];
    };
    // Nothing written yet: no wait.
    expect(routing.catchUp(state, query)).toBeUndefined();
    fake.monitor.writtenGtids.note('0-1-10');
    expect(await routing.catchUp(state, query)).toBe(true);
    expect(sent).toEqual(["SELECT MASTER_GTID_WAIT('0-1-10', 2) AS caught_up"]);
    // Waited for this version already.
    expect(routing.catchUp(state, query)).toBeUndefined();
    fake.monitor.writtenGtids.note('0-1-11');
    answer = -1;
    expect(await routing.catchUp(state, query)).toBe(false);
    // Behind: out of rotation, and reads go to the writer although fallbackToWriter is false.
    expect(routing.readers()).toEqual([]);
    expect(await routing.target()).toEqual({ host: '10.0.0.1', port: 3306 });
    // A connection to the writer never waits.
    const onWriter = new PooledConnectionState(2, limits, derived);
    onWriter.host = A;
    expect(routing.catchUp(onWriter, query)).toBeUndefined();
    fake.monitor.close();
  });
});
