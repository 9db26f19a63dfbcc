import { describe, expect, it } from 'vitest';
import type { HostState } from './cluster-options.js';
import type { ProbeResult } from './probe-result.js';
import { type ReaderCandidate, readersInRotation } from './readers-in-rotation.js';

const host = (key: string, state: HostState, probe?: ProbeResult, writer = false): ReaderCandidate => ({
  key,
  state,
  writer,
  probe,
});
const lag = (lagMs: number | null): ProbeResult => ({
  state: 'read-only',
  reason: 'replica',
  replication: { readOnly: true, innodbReadOnly: false, superReadOnly: false, lagMs },
});

describe('readersInRotation', () => {
  it('galera: Synced nodes other than the writer; desynced, non-primary, down and suspect ones are out', () => {
    const hosts = [
      host('a:3306', 'up', undefined, true),
      host('b:3306', 'up'),
      host('c:3306', 'read-only'),
      host('d:3306', 'desynced'),
      host('e:3306', 'non-primary'),
      host('f:3306', 'down'),
      host('g:3306', 'suspect'),
    ];
    expect(readersInRotation('galera', hosts, 5000)).toEqual(['b:3306', 'c:3306']);
  });

  it('replication: read-only replicas whose lag is within maxLagMs, this pool\u2019s own threshold deciding', () => {
    const hosts = [
      host('w:3306', 'up', undefined, true),
      host('r1:3306', 'read-only', lag(0)),
      host('r2:3306', 'read-only', lag(6000)),
      // Another pool's smaller threshold made it lagging; within this pool's 5000 it is still a reader.
      host('r3:3306', 'lagging', { ...lag(3000), state: 'lagging' }),
      // Not replicating: no lag to compare.
      host('r4:3306', 'lagging', { ...lag(null), state: 'lagging' }),
      // A read-only host whose lag was never read is not trusted as a reader.
      host('r5:3306', 'read-only', { state: 'read-only', reason: 'x' }),
      host('r6:3306', 'suspect', lag(0)),
      host('r7:3306', 'down', lag(0)),
    ];
    expect(readersInRotation('replication', hosts, 5000)).toEqual(['r1:3306', 'r3:3306']);
    expect(readersInRotation('replication', hosts, 10_000)).toEqual(['r1:3306', 'r2:3306', 'r3:3306']);
  });

  it('proxy: no readers', () => {
    expect(readersInRotation('proxy', [host('p:3306', 'up')], 5000)).toEqual([]);
  });
});
