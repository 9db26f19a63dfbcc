import { readFile } from 'node:fs/promises';
import { createConnection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  describeWithGalera,
  type GaleraCluster,
  type GaleraNode,
  isProcessAlive,
  startGaleraCluster,
  waitFor,
} from '../../harness/src/index.js';

const ER_UNKNOWN_COM_ERROR = 1047; // "WSREP has not yet prepared node for application use"
const ER_OPTION_PREVENTS_STATEMENT = 1290; // read_only

const layerStarted = performance.now();

/** Runs one statement as the application user on a fresh connection; resolves with the rows or the error. */
async function appQuery(
  node: GaleraNode,
  sql: string,
  params?: unknown[],
): Promise<{ rows?: unknown; error?: unknown }> {
  let connection: Awaited<ReturnType<typeof createConnection>> | undefined;
  try {
    connection = await createConnection({ ...node.connection, connectTimeout: 5_000 });
    const [rows] = await connection.query(sql, params);
    return { rows };
  } catch (error) {
    return { error };
  } finally {
    connection?.destroy();
  }
}

async function count(node: GaleraNode, id: number): Promise<number> {
  const rows = await node.query<{ n: number }>('SELECT COUNT(*) AS n FROM goneaway.t WHERE id = ?', [id]);
  return Number(rows[0]?.n);
}

async function timed<T>(what: string, action: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await action();
  console.info(`[cluster] ${what}: ${Math.round(performance.now() - started)} ms`);
  return result;
}

describeWithGalera('startGaleraCluster: a 3-node Galera cluster on loopback', () => {
  let cluster: GaleraCluster;

  beforeAll(async () => {
    cluster = await startGaleraCluster({ nodes: 3, proxies: true });
    console.info(`[cluster] started as OS user ${cluster.runsAs}: ${JSON.stringify(cluster.timings)}`);
    await cluster
      .node(1)
      .query('CREATE TABLE goneaway.t (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB');
  }, 240_000);

  afterEach(async ({ task }) => {
    // A failed fault test shows what each node said about it.
    if (task.result?.state !== 'fail' || !cluster) return;
    for (const node of cluster.nodes)
      console.info(`--- ${node.name} log tail ---\n${await node.logTail(25)}`);
  });

  afterAll(async () => {
    await cluster?.stop();
    console.info(`[cluster] galera layer wall time: ${Math.round(performance.now() - layerStarted)} ms`);
  }, 60_000);

  it('refuses a cluster of fewer than 2 nodes before starting anything', async () => {
    await expect(startGaleraCluster({ nodes: 1 })).rejects.toMatchObject({
      code: 'HARNESS_INVALID_ARGUMENT',
    });
  });

  it('every node is Synced, ready, and sees 3 members; a write on one node is read on the others', async () => {
    for (const node of cluster.nodes) {
      const status = await node.status();
      expect(status).toMatchObject({
        reachable: true,
        ready: true,
        localState: 4,
        clusterSize: 3,
        clusterStatus: 'Primary',
      });
    }
    const written = await appQuery(cluster.node(1), "INSERT INTO t VALUES (1, 'from node1')");
    expect(written.error).toBeUndefined();
    // Galera is virtually synchronous: after the commit the others have the write set, applied shortly after.
    for (const node of [cluster.node(2), cluster.node(3)]) {
      await waitFor(async () => (await count(node, 1)) === 1, `row 1 on ${node.name}`, 10_000);
      expect(await count(node, 1)).toBe(1);
    }
  });

  it('each node has its own ports, and its fault proxy reaches that node', async () => {
    const ports = cluster.nodes.flatMap((node) => Object.values(node.ports));
    expect(new Set(ports).size).toBe(ports.length);
    for (const node of cluster.nodes) {
      expect(node.proxy).toBeDefined();
      const connection = await createConnection(node.proxy?.route(node.connection) ?? node.connection);
      try {
        const [rows] = await connection.query('SELECT @@wsrep_node_name AS name');
        expect((rows as { name: string }[])[0]?.name).toBe(node.name);
      } finally {
        await connection.end();
      }
    }
  });

  it('isolate(): the node turns non-Primary and refuses queries with 1047; rejoin(): Synced again', async () => {
    const node = cluster.node(3);
    try {
      await node.isolate();
      const isolated = await timed('isolate → non-Primary', () =>
        node.waitForState((s) => s.reachable && !s.ready && s.clusterStatus !== 'Primary', 60_000),
      );
      expect(isolated.ready).toBe(false);
      const refused = await appQuery(node, 'SELECT COUNT(*) FROM t');
      expect((refused.error as { errno?: number }).errno).toBe(ER_UNKNOWN_COM_ERROR);
      // The majority carries on without it.
      await timed('isolate → the others see 2 members', () => cluster.node(1).waitForSynced(2, 60_000));
      expect(
        (await appQuery(cluster.node(1), "INSERT INTO t VALUES (2, 'while node3 isolated')")).error,
      ).toBeUndefined();
    } finally {
      await node.rejoin();
    }
    await timed('rejoin → Synced', () => node.waitForSynced(3, 90_000));
    await cluster.waitForSynced({ timeoutMs: 60_000 });
    expect(await count(node, 2)).toBe(1);
    expect((await appQuery(node, 'SELECT COUNT(*) FROM t')).error).toBeUndefined();
  });

  it('kill() (SIGKILL) then start(): the node comes back and catches up on what it missed', async () => {
    const node = cluster.node(2);
    const pid = node.pid;
    expect(pid).toBeDefined();
    await node.kill();
    expect(node.pid).toBeUndefined();
    expect((await node.status()).reachable).toBe(false);
    await timed('SIGKILL → the others see 2 members', () => cluster.node(1).waitForSynced(2, 60_000));
    expect(
      (await appQuery(cluster.node(1), "INSERT INTO t VALUES (3, 'while node2 down')")).error,
    ).toBeUndefined();
    const logBefore = (await readFile(node.logFile, 'utf8')).length;
    await timed('start after SIGKILL → Synced', () => node.start({ timeoutMs: 120_000 }));
    await cluster.waitForSynced({ timeoutMs: 60_000 });
    const log = (await readFile(node.logFile, 'utf8')).slice(logBefore);
    const transfer = /IST received/i.test(log)
      ? 'IST'
      : /Running: 'wsrep_sst_rsync --role 'joiner'/.test(log)
        ? 'SST'
        : 'unknown';
    console.info(`[cluster] node2 rejoined by ${transfer}`);
    expect(await count(node, 3)).toBe(1);
    expect(node.pid).not.toBe(pid);
  });

  it('desync(true): Donor/Desynced (state 2) but still serving; desync(false): Synced', async () => {
    const node = cluster.node(1);
    try {
      await node.desync(true);
      const desynced = await timed('desync → state 2', () =>
        node.waitForState({ localState: 2, desync: true }, 30_000),
      );
      expect(desynced.localStateComment).toBe('Donor/Desynced');
      expect((await appQuery(node, 'SELECT COUNT(*) FROM t')).error).toBeUndefined();
    } finally {
      await node.desync(false);
    }
    await timed('desync off → Synced', () => node.waitForSynced(3, 30_000));
  });

  it("rejectQueries('ALL'): the node refuses the application's queries; 'NONE' serves again", async () => {
    const node = cluster.node(3);
    try {
      await node.rejectQueries('ALL');
      expect((await node.status()).rejectQueries).toBe('ALL');
      const refused = await appQuery(node, 'SELECT COUNT(*) FROM t');
      expect(refused.error).toBeDefined();
      console.info(`[cluster] reject_queries=ALL → errno ${(refused.error as { errno?: number }).errno}`);
      expect((refused.error as { errno?: number }).errno).toBe(ER_UNKNOWN_COM_ERROR);
    } finally {
      await node.rejectQueries('NONE');
    }
    expect((await appQuery(node, 'SELECT COUNT(*) FROM t')).error).toBeUndefined();
  });

  it('setReadOnly(true): application writes fail with 1290 on that node only; false: writable again', async () => {
    const node = cluster.node(2);
    try {
      await node.setReadOnly(true);
      expect((await node.status()).readOnly).toBe(true);
      const refused = await appQuery(node, "INSERT INTO t VALUES (4, 'read_only')");
      expect((refused.error as { errno?: number })?.errno).toBe(ER_OPTION_PREVENTS_STATEMENT);
      expect(
        (await appQuery(cluster.node(1), "INSERT INTO t VALUES (5, 'node1 still writable')")).error,
      ).toBeUndefined();
    } finally {
      await node.setReadOnly(false);
    }
    expect((await appQuery(node, "INSERT INTO t VALUES (4, 'writable again')")).error).toBeUndefined();
  });

  it('stop(): every node process is gone', async () => {
    const pids = cluster.nodes.map((node) => node.pid);
    expect(pids.every((pid) => pid !== undefined)).toBe(true);
    await cluster.stop();
    for (const pid of pids) expect(isProcessAlive(pid as number)).toBe(false);
  });
});
