import { describe, expect, it } from 'vitest';
import { GALERA_PROBE_SQL, interpretGaleraRow, probeGalera } from './probe-galera.js';

/** A node's answer as the server gives it (strings from information_schema, numbers for variables). */
function row(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    wsrep_ready: 'ON',
    wsrep_local_state: '4',
    wsrep_local_index: '1',
    wsrep_cluster_status: 'Primary',
    wsrep_cluster_size: '3',
    wsrep_provider: '/usr/lib/galera/libgalera_smm.so',
    wsrep_desync: 0,
    wsrep_reject_queries: 'NONE',
    read_only: 0,
    ...overrides,
  };
}

describe('the Galera probe', () => {
  it('is one statement that reads the wsrep status and variables together', async () => {
    const sent: string[] = [];
    const result = await probeGalera({
      query: async (sql) => {
        sent.push(sql);
        return [row()];
      },
    });
    expect(sent).toEqual([GALERA_PROBE_SQL]);
    // Scalar subqueries, never a FROM over GLOBAL_STATUS beside the variables (see GALERA_PROBE_SQL).
    expect(GALERA_PROBE_SQL).toMatch(
      /^SELECT \(SELECT VARIABLE_VALUE FROM information_schema\.GLOBAL_STATUS WHERE/,
    );
    expect(GALERA_PROBE_SQL).toMatch(/@@global\.read_only AS read_only$/);
    expect(result).toEqual({
      state: 'up',
      reason: 'Synced, wsrep_local_index 1',
      galera: {
        localIndex: 1,
        localState: 4,
        clusterStatus: 'Primary',
        clusterSize: 3,
        ready: true,
        desync: false,
        rejectQueries: 'NONE',
      },
    });
  });

  it.each([
    [{ wsrep_cluster_status: 'non-Primary' }, 'non-primary', 'wsrep_cluster_status is non-Primary'],
    [
      { wsrep_cluster_status: 'Disconnected', wsrep_ready: 'OFF' },
      'non-primary',
      'wsrep_cluster_status is Disconnected',
    ],
    [{ wsrep_ready: 'OFF' }, 'non-primary', 'wsrep_ready is OFF'],
    [{ wsrep_local_state: '2' }, 'desynced', 'wsrep_local_state is 2 (Donor/Desynced)'],
    [{ wsrep_local_state: '1' }, 'desynced', 'wsrep_local_state is 1 (Joining)'],
    [{ wsrep_local_state: '3' }, 'desynced', 'wsrep_local_state is 3 (Joined)'],
    [{ wsrep_desync: 1 }, 'desynced', 'wsrep_desync is ON'],
    [{ wsrep_reject_queries: 'ALL' }, 'down', 'wsrep_reject_queries is ALL'],
    [{ wsrep_reject_queries: 'all_kill' }, 'down', 'wsrep_reject_queries is ALL_KILL'],
    [{ read_only: '1' }, 'read-only', 'read_only is ON'],
    [{ wsrep_provider: 'none' }, 'down', 'not a Galera node (wsrep_provider is none)'],
    [{ wsrep_provider: null }, 'down', 'not a Galera node (wsrep_provider is none)'],
    [{ wsrep_local_index: null }, 'down', 'wsrep_local_index is missing'],
    // What a node outside any cluster reports (-1 as an unsigned 64-bit number).
    [{ wsrep_local_index: '18446744073709551615' }, 'down', 'wsrep_local_index is missing'],
  ])('%j → %s', (overrides, state, reason) => {
    expect(interpretGaleraRow(row(overrides))).toMatchObject({ state, reason });
  });

  it('a node outside the primary component that rejects the probe with 1047 is non-primary', async () => {
    const rejecting = {
      query: async () => {
        throw Object.assign(new Error('WSREP has not yet prepared node for application use'), {
          errno: 1047,
        });
      },
    };
    expect(await probeGalera(rejecting)).toEqual({
      state: 'non-primary',
      reason: 'the node rejects queries: WSREP not ready (1047)',
    });
  });

  it('a server without wsrep variables is not a Galera node; a lost connection rejects', async () => {
    const mysql = {
      query: async () => {
        throw Object.assign(new Error("Unknown system variable 'wsrep_on'"), { errno: 1193 });
      },
    };
    expect(await probeGalera(mysql)).toMatchObject({
      state: 'down',
      reason: expect.stringMatching(/not a Galera node/),
    });
    const lost = new Error('Connection lost');
    await expect(probeGalera({ query: () => Promise.reject(lost) })).rejects.toBe(lost);
  });

  it('never puts an unprintable or long server word into a reason', () => {
    const result = interpretGaleraRow(row({ wsrep_cluster_status: `x\u0000${'y'.repeat(100)}` }));
    expect(result.reason).toBe(`wsrep_cluster_status is x?${'y'.repeat(30)}…`);
  });
});
