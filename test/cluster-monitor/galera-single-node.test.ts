import { existsSync } from 'node:fs';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterMonitor } from '../../packages/core/src/cluster/cluster-monitor.js';
import type { ClusterHost, ClusterPolicy } from '../../packages/core/src/cluster/cluster-options.js';
import { GALERA_PROBE_SQL, probeGalera } from '../../packages/core/src/cluster/probe-galera.js';
import type { ProbeConnection } from '../../packages/core/src/cluster/probe-result.js';
import { parsePolicy } from '../../packages/core/src/policy/parse-policy.js';
import { findFreePort } from '../harness/src/free-port.js';
import {
  type ConnectionInfo,
  codeOf,
  describeWithOwnServer,
  type MariaDBServer,
  startMariaDB,
  waitFor,
} from '../harness/src/index.js';
import { mysql2ProbeConnector } from './mysql2-probe-connect.js';

const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

/** Debian's galera-4 provides the library; without it the suite is skipped, saying why. */
function describeWithGalera(name: string, body: () => void): void {
  if (existsSync(GALERA_PROVIDER)) describeWithOwnServer(name, body);
  else describe.skip(`${name} (skipped: ${GALERA_PROVIDER} is not installed)`, body);
}

/**
 * A one-node Galera cluster (it bootstraps its own primary component) is enough to see every state a
 * node can put itself in: Synced, desynced, rejecting queries, read-only. Leaving the primary component
 * needs peers: the 3-node harness (test/harness, another step) covers non-primary.
 */
function galeraOptions(groupPort: number, istPort: number) {
  return {
    wsrep_on: true,
    wsrep_provider: GALERA_PROVIDER,
    wsrep_cluster_address: 'gcomm://',
    wsrep_provider_options: `gmcast.listen_addr=tcp://127.0.0.1:${groupPort};ist.recv_addr=127.0.0.1:${istPort};gcache.size=16M`,
    wsrep_node_address: `127.0.0.1:${groupPort}`,
    binlog_format: 'ROW',
    innodb_autoinc_lock_mode: 2,
  };
}

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

describeWithGalera('the Galera probe on a real one-node Galera cluster', () => {
  let node: MariaDBServer;
  let plain: MariaDBServer;
  let app: Connection;

  beforeAll(async () => {
    const [groupPort, istPort] = [await findFreePort(), await findFreePort()];
    [node, plain] = await Promise.all([
      startMariaDB({ serverOptions: galeraOptions(groupPort, istPort) }),
      startMariaDB(),
    ]);
    app = await createConnection(node.connection);
    await app.query('CREATE TABLE IF NOT EXISTS galera_control (id INT PRIMARY KEY)');
  });
  afterAll(async () => {
    await app?.end();
    await Promise.all([node?.destroy(), plain?.destroy()]);
  });

  it('a Synced node is up with its wsrep facts, in one statement', async () => {
    const { shape, sent } = probeConnection(app);
    expect(await probeGalera(shape)).toEqual({
      state: 'up',
      reason: 'Synced, wsrep_local_index 0',
      galera: {
        localIndex: 0,
        localState: 4,
        clusterStatus: 'Primary',
        clusterSize: 1,
        ready: true,
        desync: false,
        rejectQueries: 'NONE',
      },
    });
    expect(sent).toEqual([GALERA_PROBE_SQL]);
  });

  it('sees wsrep_desync, wsrep_reject_queries and read_only, as the bare driver does', async () => {
    const { shape } = probeConnection(app);

    await node.query('SET GLOBAL wsrep_desync = ON');
    try {
      const desynced = await probeGalera(shape);
      expect(desynced).toMatchObject({ state: 'desynced', galera: { desync: true, localState: 2 } });
    } finally {
      await node.query('SET GLOBAL wsrep_desync = OFF');
    }
    await waitFor(async () => (await probeGalera(shape)).state === 'up', 'Synced again');

    await node.query('SET GLOBAL read_only = 1');
    try {
      // Setting read_only takes the global read lock, during which the node is Donor/Desynced for a
      // moment (a full run's probe saw wsrep_local_state 2): read-only once that has passed.
      await waitFor(async () => (await probeGalera(shape)).state !== 'desynced', 'past the read lock');
      expect(await probeGalera(shape)).toMatchObject({ state: 'read-only', reason: 'read_only is ON' });
      // The control: the same user's write is refused (1290). This is the case an aggregate over
      // GLOBAL_STATUS beside @@global.read_only misses: it read 0 here.
      const refused = await app.query('INSERT INTO galera_control VALUES (1)').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(codeOf(refused)).toBe('ER_OPTION_PREVENTS_STATEMENT');
    } finally {
      await node.query('SET GLOBAL read_only = 0');
    }

    await node.query("SET GLOBAL wsrep_reject_queries = 'ALL'");
    try {
      expect(await probeGalera(shape)).toMatchObject({
        state: 'down',
        reason: 'wsrep_reject_queries is ALL',
      });
      // The control: a fresh application connection's statement is rejected.
      const fresh = await createConnection(node.connection);
      try {
        const rejected = await fresh.query('SELECT * FROM galera_control').then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(rejected).toBeInstanceOf(Error);
      } finally {
        fresh.destroy();
      }
    } finally {
      await node.query("SET GLOBAL wsrep_reject_queries = 'NONE'");
    }
    expect((await probeGalera(shape)).state).toBe('up');
  });

  it('a monitor over the Galera node and a plain server writes to the node and calls the other not Galera', async () => {
    const byPort = new Map<number, ConnectionInfo>([
      [node.port, node.connection],
      [plain.port, plain.connection],
    ]);
    const credentialsFor = (host: ClusterHost): ConnectionInfo => byPort.get(host.port) ?? node.connection;
    const cluster = parsePolicy({
      cluster: { hosts: [`127.0.0.1:${plain.port}`, `127.0.0.1:${node.port}`], flavor: 'galera' },
    }).cluster as ClusterPolicy;
    const monitor = new ClusterMonitor({ cluster, connect: mysql2ProbeConnector(credentialsFor, 1000) });
    try {
      expect(await monitor.writer({ timeoutMs: 20_000 })).toEqual({ host: '127.0.0.1', port: node.port });
      await waitFor(() => monitor.stateOf(`127.0.0.1:${plain.port}`) === 'down', 'the plain server down');
      expect(monitor.describeHosts()).toBe(
        `127.0.0.1:${plain.port} down (not a Galera node (wsrep_provider is none)); ` +
          `127.0.0.1:${node.port} up (writer) (Synced, wsrep_local_index 0)`,
      );
    } finally {
      monitor.close();
    }
  });
});
