import { describe, expect, it } from 'vitest';
import {
  probeProxy,
  REPLICA_STATUS_SQL,
  REPLICA_STATUS_SQL_NEW,
  REPLICATION_PROBE_SQL,
  REPLICATION_PROBE_SQL_WITHOUT_SUPER_READ_ONLY,
  replicationProbe,
} from './probe-replication.js';

type Answer = ReadonlyArray<Record<string, unknown>> | Error;

/** A connection that answers each SQL text from a table, recording what was sent. */
function scripted(answers: Record<string, Answer>) {
  const sent: string[] = [];
  return {
    sent,
    connection: {
      async query(sql: string) {
        sent.push(sql);
        const answer = answers[sql];
        if (answer === undefined) throw new Error(`unexpected SQL: ${sql}`);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
  };
}

const flags = (readOnly: number, innodbReadOnly = 0, superReadOnly = 0) => [
  { read_only: readOnly, innodb_read_only: innodbReadOnly, super_read_only: superReadOnly, answered: 1 },
];
const errno = (n: number) => Object.assign(new Error(`error ${n}`), { errno: n });

describe('the replication probe', () => {
  it('a writable server is up in one round trip; read_only, super_read_only, innodb_read_only are read-only', async () => {
    const cases: Array<[ReturnType<typeof flags>, string, string]> = [
      [flags(0), 'up', 'writable (read_only is OFF)'],
      [flags(1), 'read-only', 'read_only is ON'],
      [flags(0, 0, 1), 'read-only', 'super_read_only is ON'],
      [flags(0, 1), 'read-only', 'innodb_read_only is ON'],
    ];
    for (const [rows, state, reason] of cases) {
      const { sent, connection } = scripted({ [REPLICATION_PROBE_SQL]: rows });
      expect(await probeProxy(connection)).toMatchObject({ state, reason });
      expect(sent).toEqual([REPLICATION_PROBE_SQL]);
    }
  });

  it('falls back to a statement without super_read_only on a server that lacks it (old MySQL)', async () => {
    const { sent, connection } = scripted({
      [REPLICATION_PROBE_SQL]: errno(1193),
      [REPLICATION_PROBE_SQL_WITHOUT_SUPER_READ_ONLY]: flags(0),
    });
    expect((await replicationProbe()(connection)).state).toBe('up');
    expect(sent).toEqual([REPLICATION_PROBE_SQL, REPLICATION_PROBE_SQL_WITHOUT_SUPER_READ_ONLY]);
  });

  it('with readers, a read-only host is a reader within maxLagMs and lagging past it or when not replicating', async () => {
    const probe = replicationProbe({ maxLagMs: 5000 });
    const withStatus = (status: Answer) =>
      scripted({ [REPLICATION_PROBE_SQL]: flags(1), [REPLICA_STATUS_SQL]: status }).connection;
    expect(await probe(withStatus([{ Seconds_Behind_Master: 2 }]))).toMatchObject({
      state: 'read-only',
      replication: { lagMs: 2000 },
    });
    expect(await probe(withStatus([{ Seconds_Behind_Master: '6' }]))).toMatchObject({
      state: 'lagging',
      reason: '6 s behind (more than 5000 ms)',
    });
    expect(await probe(withStatus([{ Seconds_Behind_Master: null }]))).toMatchObject({
      state: 'lagging',
      reason: 'replication is not running (Seconds_Behind_Master is NULL)',
      replication: { lagMs: null },
    });
    expect(await probe(withStatus([]))).toMatchObject({
      state: 'lagging',
      reason: expect.stringMatching(/not a replica/),
    });
    expect(await probe(withStatus(errno(1227)))).toMatchObject({
      state: 'lagging',
      reason: expect.stringMatching(/privilege/),
    });
    // MySQL 8.4: SHOW SLAVE STATUS is gone, SHOW REPLICA STATUS names the column Seconds_Behind_Source.
    const { sent, connection } = scripted({
      [REPLICATION_PROBE_SQL]: flags(1),
      [REPLICA_STATUS_SQL]: errno(1064),
      [REPLICA_STATUS_SQL_NEW]: [{ Seconds_Behind_Source: 0 }],
    });
    expect(await probe(connection)).toMatchObject({ state: 'read-only' });
    expect(sent).toEqual([REPLICATION_PROBE_SQL, REPLICA_STATUS_SQL, REPLICA_STATUS_SQL_NEW]);
  });

  it('never reads lag of the writer nor without readers', async () => {
    const { sent, connection } = scripted({ [REPLICATION_PROBE_SQL]: flags(0) });
    await replicationProbe({ maxLagMs: 1000 })(connection);
    const readOnly = scripted({ [REPLICATION_PROBE_SQL]: flags(1) });
    await replicationProbe()(readOnly.connection);
    expect([...sent, ...readOnly.sent]).toEqual([REPLICATION_PROBE_SQL, REPLICATION_PROBE_SQL]);
  });
});
