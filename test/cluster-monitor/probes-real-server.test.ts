import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GALERA_PROBE_SQL, probeGalera } from '../../packages/core/src/cluster/probe-galera.js';
import {
  probeProxy,
  REPLICATION_PROBE_SQL,
  replicationProbe,
} from '../../packages/core/src/cluster/probe-replication.js';
import type { ProbeConnection } from '../../packages/core/src/cluster/probe-result.js';
import { codeOf, describeWithOwnServer, type MariaDBServer, startMariaDB } from '../harness/src/index.js';

function probeConnection(connection: Connection): { shape: ProbeConnection; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    shape: {
      async query(sql) {
        sent.push(sql);
        const [rows] = await connection.query(sql);
        return rows as Array<Record<string, unknown>>;
      },
    },
  };
}

describeWithOwnServer('the cluster probes on a real MariaDB', () => {
  let server: MariaDBServer;
  let app: Connection;
  let admin: Connection;

  beforeAll(async () => {
    server = await startMariaDB();
    app = await createConnection(server.connection);
    admin = await createConnection(server.adminConnection);
  });
  afterAll(async () => {
    await app?.end();
    await admin?.end();
    await server?.destroy();
  });

  it('replication: writable is up, SET GLOBAL read_only=1 is read-only, as a write by the same user shows', async () => {
    await app.query('CREATE TABLE IF NOT EXISTS probe_control (id INT PRIMARY KEY AUTO_INCREMENT)');
    const { shape, sent } = probeConnection(app);
    expect(await probeProxy(shape)).toMatchObject({
      state: 'up',
      replication: { readOnly: false, innodbReadOnly: false, superReadOnly: false },
    });
    // One statement: super_read_only's absence on MariaDB is handled inside it, not by a second try.
    expect(sent).toEqual([REPLICATION_PROBE_SQL]);

    await server.query('SET GLOBAL read_only = 1');
    try {
      expect(await probeProxy(shape)).toMatchObject({ state: 'read-only', reason: 'read_only is ON' });
      // The control, on the bare driver: the same user's write is refused (1290), as the probe said.
      const refused = await app.query('INSERT INTO probe_control VALUES ()').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(codeOf(refused)).toBe('ER_OPTION_PREVENTS_STATEMENT');
    } finally {
      await server.query('SET GLOBAL read_only = 0');
    }
    expect((await probeProxy(shape)).state).toBe('up');
    await app.query('INSERT INTO probe_control VALUES ()');
  });

  it('replication with readers: a read-only server that is not a replica leaves the rotation', async () => {
    await server.query('SET GLOBAL read_only = 1');
    try {
      // As the admin (allowed to read replica status): no replica status row.
      const asAdmin = await replicationProbe({ maxLagMs: 1000 })(probeConnection(admin).shape);
      expect(asAdmin).toMatchObject({
        state: 'lagging',
        reason: 'read-only but not a replica (no replica status)',
      });
      // As the application user, whatever it may or may not read, the answer is a lagging reader.
      const asApp = await replicationProbe({ maxLagMs: 1000 })(probeConnection(app).shape);
      expect(asApp.state).toBe('lagging');
    } finally {
      await server.query('SET GLOBAL read_only = 0');
    }
  });

  it('galera: the probe runs in one round trip on a server without Galera and says it is not a Galera node', async () => {
    // The control: the statement itself is valid here, and names no provider.
    const [rows] = await app.query(GALERA_PROBE_SQL);
    const row = (rows as Array<Record<string, unknown>>)[0];
    expect(row).toBeDefined();
    expect(row?.wsrep_provider).toBe('none');
    const { shape, sent } = probeConnection(app);
    expect(await probeGalera(shape)).toEqual({
      state: 'down',
      reason: 'not a Galera node (wsrep_provider is none)',
    });
    expect(sent).toHaveLength(1);
  });
});
