import { describe, expect, it, vi } from 'vitest';
import { HeldConnectionLease, type LeasePool } from './held-connection-lease.js';

interface Fake {
  readonly name: string;
}

function pool(): LeasePool<Fake> & { readonly given: string[]; readonly discarded: string[] } {
  const given: string[] = [];
  const discarded: string[] = [];
  return {
    given,
    discarded,
    giveBack: (connection) => given.push(connection.name),
    discard: (connection) => discarded.push(connection.name),
  };
}

const held: Fake = { name: 'held' };
const fresh: Fake = { name: 'fresh' };
const second: Fake = { name: 'second' };

describe('HeldConnectionLease', () => {
  it('runs on the held connection until it is replaced, then on the replacement, which goes back on release', async () => {
    const connections = pool();
    const lease = new HeldConnectionLease(held, connections);
    expect(lease.current).toBe(held);
    expect(await lease.replace(held, async () => fresh)).toBe(fresh);
    expect(lease.current).toBe(fresh);
    expect(connections.discarded).toEqual(['held']);
    lease.release();
    expect(connections.given).toEqual(['fresh']);
  });

  it('statements that lost the same connection at once share one replacement', async () => {
    const connections = pool();
    const lease = new HeldConnectionLease(held, connections);
    const acquire = vi.fn(async () => fresh);
    const [a, b] = await Promise.all([lease.replace(held, acquire), lease.replace(held, acquire)]);
    expect([a, b]).toEqual([fresh, fresh]);
    expect(acquire).toHaveBeenCalledTimes(1);
    expect(connections.discarded).toEqual(['held']);
    // A statement that lost the held connection late runs on the replacement, no new acquire.
    expect(await lease.replace(held, acquire)).toBe(fresh);
    expect(acquire).toHaveBeenCalledTimes(1);
  });

  it('replaces a lost replacement in turn', async () => {
    const connections = pool();
    const lease = new HeldConnectionLease(held, connections);
    await lease.replace(held, async () => fresh);
    expect(await lease.replace(fresh, async () => second)).toBe(second);
    expect(connections.discarded).toEqual(['held', 'fresh']);
    lease.destroy();
    expect(connections.discarded).toEqual(['held', 'fresh', 'second']);
    expect(connections.given).toEqual([]);
  });

  it('gives a replacement that arrives after release() straight back to the pool', async () => {
    const connections = pool();
    const lease = new HeldConnectionLease(held, connections);
    let handOver: (connection: Fake) => void = () => undefined;
    const replacing = lease.replace(held, () => new Promise<Fake>((resolve) => (handOver = resolve)));
    lease.release();
    handOver(fresh);
    await expect(replacing).rejects.toThrow('The connection was released.');
    expect(connections.given).toEqual(['fresh']);
    expect(lease.current).toBe(held);
    await expect(lease.replace(held, async () => second)).rejects.toThrow('The connection was released.');
  });

  it('a failed acquire leaves no replacement; the next loss tries again', async () => {
    const connections = pool();
    const lease = new HeldConnectionLease(held, connections);
    await expect(lease.replace(held, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(lease.current).toBe(held);
    expect(await lease.replace(held, async () => fresh)).toBe(fresh);
  });
});
