import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from './classification.js';
import { hasKindTrait, KIND_TRAITS, type KindTrait } from './kind-traits.js';

function kindsWith(trait: KindTrait): string[] {
  return ERROR_KINDS.filter((kind) => hasKindTrait(kind, trait)).sort();
}

describe('KIND_TRAITS', () => {
  it('has an entry for every kind and nothing else', () => {
    expect(Object.keys(KIND_TRAITS).sort()).toEqual([...ERROR_KINDS].sort());
  });

  it('lost: the connection went away under the statement', () => {
    expect(kindsWith('lost')).toEqual(
      ['connect-failed', 'connection-lost', 'idle-timeout', 'killed', 'server-shutdown'].sort(),
    );
  });

  it('transient: every lost kind, plus limits and locks that may clear', () => {
    expect(kindsWith('transient')).toEqual(
      [
        ...kindsWith('lost'),
        'cluster-not-ready',
        'deadlock',
        'interrupted',
        'lock-wait-timeout',
        'statement-timeout',
        'too-many-connections',
      ].sort(),
    );
  });

  it('connect-noise: what goneaway waits out while reaching the server, never an answer about a statement', () => {
    expect(kindsWith('connect-noise')).toEqual(
      [...kindsWith('lost'), 'cluster-not-ready', 'too-many-connections'].sort(),
    );
    for (const kind of [
      'auth-failed',
      'host-blocked',
      'read-only',
      'deadlock',
      'not-connection-related',
    ] as const)
      expect(hasKindTrait(kind, 'connect-noise')).toBe(false);
  });

  it('writer-suspect: what may mean a failover moved the writer (every lost kind but an idle timeout, read-only, a node not ready)', () => {
    expect(kindsWith('writer-suspect')).toEqual(
      [
        'cluster-not-ready',
        'connect-failed',
        'connection-lost',
        'killed',
        'read-only',
        'server-shutdown',
      ].sort(),
    );
  });
});
