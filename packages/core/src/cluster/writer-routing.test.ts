import { describe, expect, it } from 'vitest';
import { fakeCluster, readOnly, up } from './cluster-monitor.fixture.js';
import { WriterRouting } from './writer-routing.js';

const A = '10.0.0.1:3306';
const B = '10.0.0.2:3306';

async function replication() {
  const fake = fakeCluster({ hosts: [A, B], flavor: 'replication', probeIntervalMs: 1000 });
  fake.set(A, up());
  fake.set(B, readOnly);
  const routing = new WriterRouting({ monitor: fake.monitor, release: () => undefined });
  fake.monitor.start();
  await fake.settle();
  return { fake, routing };
}

describe('WriterRouting.isCurrent', () => {
  it('keeps connections to a writer made suspect by one failure; drops them once a probe finds it down', async () => {
    const { fake, routing } = await replication();
    expect(routing.isCurrent(A)).toBe(true);
    expect(routing.isCurrent(B)).toBe(false);
    fake.set(A, 'refuse');
    const probed = fake.monitor.suspect(A, 'a statement failed: killed');
    // No new connection goes to a suspect writer, but the ones open go on (a neighbour was KILLed).
    expect(fake.monitor.currentWriter()).toBeUndefined();
    expect(routing.isCurrent(A)).toBe(true);
    await probed;
    await fake.advance(10);
    expect(fake.monitor.stateOf(A)).toBe('down');
    expect(routing.isCurrent(A)).toBe(false);
  });

  it('with no writer (the primary made read-only, none promoted) no connection is current until one is', async () => {
    const { fake, routing } = await replication();
    fake.set(A, readOnly);
    await fake.advance(1000);
    expect(fake.monitor.electedWriterKey()).toBeUndefined();
    expect([routing.isCurrent(A), routing.isCurrent(B)]).toEqual([false, false]);
    // B is promoted: connections to B are current, A's are not.
    fake.set(B, up());
    await fake.advance(1000);
    expect(routing.isCurrent(A)).toBe(false);
    expect(routing.isCurrent(B)).toBe(true);
  });

  it('in a split brain (two writable hosts) no connection is current', async () => {
    const { fake, routing } = await replication();
    fake.set(B, up());
    await fake.advance(1000);
    expect(fake.monitor.electedWriterKey()).toBeUndefined();
    expect([routing.isCurrent(A), routing.isCurrent(B)]).toEqual([false, false]);
  });
});
