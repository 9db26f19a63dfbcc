import { describe, expect, it } from 'vitest';
import { up } from './cluster-monitor.fixture.js';
import type { HostState } from './cluster-options.js';
import { type ElectionCandidate, electWriter } from './elect-writer.js';

const host = (key: string, state: HostState, index?: number): ElectionCandidate => ({
  key,
  state,
  probe: state === 'up' ? up(index) : undefined,
});

describe('electWriter', () => {
  it('galera: the up node with the lowest wsrep_local_index, first in the list on a tie', () => {
    expect(
      electWriter('galera', [host('a', 'up', 2), host('b', 'up', 0), host('c', 'desynced')], undefined),
    ).toEqual({
      kind: 'writer',
      key: 'b',
    });
    expect(electWriter('galera', [host('a', 'up', 1), host('b', 'up', 1)], undefined)).toEqual({
      kind: 'writer',
      key: 'a',
    });
    expect(electWriter('galera', [host('a', 'non-primary'), host('b', 'read-only')], 'a')).toEqual({
      kind: 'none',
    });
  });

  it('replication: the one writable host; two are split brain', () => {
    expect(electWriter('replication', [host('a', 'read-only'), host('b', 'up')], 'a')).toEqual({
      kind: 'writer',
      key: 'b',
    });
    expect(electWriter('replication', [host('a', 'up'), host('b', 'up')], undefined)).toEqual({
      kind: 'split-brain',
      keys: ['a', 'b'],
    });
    expect(electWriter('replication', [host('a', 'down'), host('b', 'lagging')], 'a')).toEqual({
      kind: 'none',
    });
  });

  it('keeps a writer that is only suspect until its probe settles, whatever else is up', () => {
    for (const flavor of ['galera', 'replication', 'proxy'] as const) {
      expect(electWriter(flavor, [host('a', 'suspect'), host('b', 'up', 0)], 'a')).toEqual({
        kind: 'writer',
        key: 'a',
      });
    }
    // A suspect host that was not the writer is not chosen.
    expect(electWriter('replication', [host('a', 'suspect'), host('b', 'read-only')], undefined)).toEqual({
      kind: 'none',
    });
  });
});
