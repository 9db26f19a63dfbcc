import { describe, expectTypeOf, it } from 'vitest';
import type { CommitMarker } from './commit-marker.js';
import type { CommitMarkerOptions } from './commit-marker-options.js';
import { runTransactionWithCommitMarker } from './commit-marker-transaction.js';

declare const marker: CommitMarker;
interface Tx {
  readonly id: 'tx';
}

describe('runTransactionWithCommitMarker', () => {
  it("resolves with the callback's result type and hands the adapter's transaction type to fn", () => {
    const result = runTransactionWithCommitMarker(
      marker,
      {
        transaction: (body: (tx: Tx) => Promise<{ total: number }>) => body({ id: 'tx' }),
        connectionOf: () => ({ query: async () => ({ rows: [] }) }),
        resolveTimeoutMs: 5000,
      },
      async (tx) => {
        expectTypeOf(tx).toEqualTypeOf<Tx>();
        return { total: 1 };
      },
    );
    expectTypeOf(result).toEqualTypeOf<Promise<{ total: number }>>();
  });

  it('takes only the documented options', () => {
    expectTypeOf<{ table: string; pruneAfterMs: false }>().toExtend<CommitMarkerOptions>();
    expectTypeOf<{ pruneAfterMs: 'never' }>().not.toExtend<CommitMarkerOptions>();
  });
});
