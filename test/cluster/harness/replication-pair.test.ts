import { createConnection } from 'mysql2/promise';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  type ReplicationPair,
  startReplicationPair,
  waitFor,
} from '../../harness/src/index.js';

if (!canControlServers) console.info(`replication pair tests skipped: ${noControlReason}`);

const ER_OPTION_PREVENTS_STATEMENT = 1290; // read_only
const layerStarted = performance.now();

async function appConnection(server: MariaDBServer) {
  return createConnection({ ...server.connection, connectTimeout: 5_000 });
}

async function appInsert(server: MariaDBServer, id: number): Promise<unknown> {
  const connection = await appConnection(server);
  try {
    await connection.query('INSERT INTO t (id) VALUES (?)', [id]);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    connection.destroy();
  }
}

async function ids(server: MariaDBServer): Promise<number[]> {
  const rows = await server.query<{ id: number }>('SELECT id FROM goneaway.t ORDER BY id');
  return rows.map((row) => Number(row.id));
}

async function startPairWithTable(): Promise<ReplicationPair> {
  const started = performance.now();
  const pair = await startReplicationPair();
  console.info(`[replication] pair started in ${Math.round(performance.now() - started)} ms`);
  await pair.primary.query('CREATE TABLE goneaway.t (id INT PRIMARY KEY) ENGINE=InnoDB');
  await pair.waitForCatchUp(30_000);
  return pair;
}

describe.skipIf(!canControlServers)('startReplicationPair: a GTID primary/replica pair', () => {
  let pair: ReplicationPair | undefined;

  afterEach(async () => {
    await pair?.stop();
    pair = undefined;
  }, 60_000);

  afterAll(() => {
    console.info(`[replication] layer wall time: ${Math.round(performance.now() - layerStarted)} ms`);
  });

  it('a row written on the primary appears on the replica, which refuses application writes (read_only)', async () => {
    pair = await startPairWithTable();
    const { primary, replica } = pair;
    expect(primary.port).not.toBe(replica.port);
    expect(await appInsert(primary, 1)).toBeUndefined();
    await pair.waitForCatchUp(30_000);
    expect(await ids(replica)).toEqual([1]);
    expect(await pair.lagMs()).toBe(0);
    expect(await pair.status()).toMatchObject({ ioRunning: 'Yes', sqlRunning: 'Yes', lastError: '' });
    const refused = (await appInsert(replica, 2)) as { errno?: number } | undefined;
    expect(refused?.errno).toBe(ER_OPTION_PREVENTS_STATEMENT);
  });

  it('stopReplication() makes the replica fall behind; startReplication() catches it up', async () => {
    pair = await startPairWithTable();
    await pair.stopReplication();
    for (const id of [1, 2, 3]) expect(await appInsert(pair.primary, id)).toBeUndefined();
    expect(await ids(pair.replica)).toEqual([]);
    const lag = await pair.lagMs();
    console.info(`[replication] lagMs() while stopped: ${lag}`);
    expect(lag).not.toBe(0);
    await pair.startReplication();
    const started = performance.now();
    await pair.waitForCatchUp(30_000);
    console.info(`[replication] catch-up after START SLAVE: ${Math.round(performance.now() - started)} ms`);
    expect(await ids(pair.replica)).toEqual([1, 2, 3]);
    expect(await pair.lagMs()).toBe(0);
  });

  it('setReplicationDelay(): the replica applies late and reports a running lag; 0 catches it up', async () => {
    const delayed = await startPairWithTable();
    pair = delayed;
    await delayed.setReplicationDelay(10);
    expect(await appInsert(delayed.primary, 1)).toBeUndefined();
    let lag: number | null = 0;
    await waitFor(
      async () => {
        lag = await delayed.lagMs();
        return lag !== null && lag > 0;
      },
      'a positive lagMs() under MASTER_DELAY',
      30_000,
    );
    console.info(`[replication] lagMs() under MASTER_DELAY=10: ${lag}`);
    expect(await ids(delayed.replica)).toEqual([]);
    await delayed.setReplicationDelay(0);
    await delayed.waitForCatchUp(30_000);
    expect(await ids(delayed.replica)).toEqual([1]);
  });

  it('switchover(): the replica becomes a writable primary with every row; the old primary replicates from it', async () => {
    pair = await startPairWithTable();
    const [first, second] = pair.servers;
    for (let id = 1; id <= 20; id += 1) expect(await appInsert(first, id)).toBeUndefined();
    const { writeDowntimeMs } = await pair.switchover(30_000);
    console.info(`[replication] switchover: writes refused for ${writeDowntimeMs} ms`);
    expect(pair.primary).toBe(second);
    expect(pair.replica).toBe(first);
    expect(await ids(second)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await appInsert(second, 21)).toBeUndefined();
    expect(((await appInsert(first, 22)) as { errno?: number } | undefined)?.errno).toBe(
      ER_OPTION_PREVENTS_STATEMENT,
    );
    await pair.waitForCatchUp(30_000);
    expect(await ids(first)).toContain(21);
    expect(await pair.status()).toMatchObject({ ioRunning: 'Yes', sqlRunning: 'Yes', lastError: '' });
  });

  it('killPrimaryAndPromote(): SIGKILL under writes; the promoted replica is writable and has every acknowledged row', async () => {
    pair = await startPairWithTable();
    const [first, second] = pair.servers;
    const connection = await appConnection(first);
    const acknowledged: number[] = [];
    let writerError: unknown;
    // Writes one row at a time until the primary dies under it.
    const writer = (async () => {
      for (let id = 1; id <= 100_000; id += 1) {
        try {
          await connection.query('INSERT INTO t (id) VALUES (?)', [id]);
          acknowledged.push(id);
        } catch (error) {
          writerError = error;
          return;
        }
      }
    })();
    await waitFor(() => acknowledged.length >= 50, '50 acknowledged rows', 30_000);
    const { promoteMs } = await pair.killPrimaryAndPromote(30_000);
    await writer;
    connection.destroy();
    expect(writerError).toBeDefined();
    console.info(
      `[replication] kill+promote: ${acknowledged.length} rows acknowledged, promoted in ${promoteMs} ms`,
    );
    expect(pair.primary).toBe(second);
    expect(first.pid).toBeUndefined();
    const present = new Set(await ids(second));
    expect(acknowledged.filter((id) => !present.has(id))).toEqual([]);
    expect(await appInsert(second, 1_000_000)).toBeUndefined();
  });
});
