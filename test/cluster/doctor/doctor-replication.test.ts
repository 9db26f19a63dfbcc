// `goneaway doctor` against a real GTID primary/replica pair (semi-sync, the harness's): a healthy pair,
// replication stopped (a warning), read_only off on the replica (split brain, exit 1), and a host that
// refuses connections, through runDoctor() and the CLI; SHOW SLAVE STATUS as root is the control.
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFinding, ConnectedReport, DoctorReport } from '../../../packages/doctor/src/index.js';
import { runDoctor } from '../../../packages/doctor/src/index.js';
import { refusedPort, runCli } from '../../doctor/support.js';
import {
  canControlServers,
  noControlReason,
  type ReplicationPair,
  startReplicationPair,
} from '../../harness/src/index.js';

if (!canControlServers) console.info(`doctor replication tests skipped: ${noControlReason}`);

function connected(report: DoctorReport): ConnectedReport {
  if (!report.connected) throw new Error(`not connected: ${report.failure.message}`);
  return report;
}

function finding(report: DoctorReport, id: ClusterFinding['id']): ClusterFinding {
  const found = report.cluster?.findings.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no ${id} finding`);
  return found;
}

describe.skipIf(!canControlServers)('goneaway doctor against a primary/replica pair', () => {
  let pair: ReplicationPair;
  let url: string;
  let urlOf: (hosts: string) => string;
  let password: string;
  let primaryKey: string;
  let replicaKey: string;

  beforeAll(async () => {
    pair = await startReplicationPair();
    const { user, database } = pair.primary.connection;
    password = pair.primary.connection.password;
    // Reading SHOW SLAVE STATUS needs REPLICA MONITOR (MariaDB 10.5+); replicated to the replica.
    await pair.primary.query(`GRANT REPLICA MONITOR ON *.* TO '${user}'@'%'`);
    await pair.waitForCatchUp();
    primaryKey = `127.0.0.1:${pair.primary.port}`;
    replicaKey = `127.0.0.1:${pair.replica.port}`;
    urlOf = (hosts) =>
      `mysql://${user}:${encodeURIComponent(password)}@${hosts}/${database}?flavor=replication`;
    url = urlOf(`${primaryKey},${replicaKey}`);
  });
  afterAll(async () => {
    await pair?.stop();
  });

  it('a healthy pair: the primary is the writer, the replica read-only and replicating, every check ok', async () => {
    const [report, json, text] = await Promise.all([
      runDoctor({ url }),
      runCli(['doctor', url, '--json']),
      runCli(['doctor', url]),
    ]);
    const control = await pair.status();
    expect(control).toMatchObject({ ioRunning: 'Yes', sqlRunning: 'Yes' });
    const library = connected(report);
    expect(library.cluster).toMatchObject({ flavor: 'replication', election: 'writer', writer: primaryKey });
    expect(library.cluster?.hosts.map((host) => [host.key, host.state, host.writer])).toEqual([
      [primaryKey, 'up', true],
      [replicaKey, 'read-only', false],
    ]);
    const replica = library.cluster?.hosts[1];
    expect(replica?.replication).toMatchObject({
      isReplica: true,
      ioRunning: true,
      sqlRunning: true,
      gtidStrictMode: true,
    });
    expect(replica?.replication?.lagMs).toBe((control.secondsBehindMaster ?? Number.NaN) * 1000);
    expect(library.cluster?.findings.filter((f) => f.severity !== 'ok').map((f) => f.id)).toEqual([]);
    expect(library.exitCode).toBe(0);

    expect(json.code).toBe(0);
    const fromCli = JSON.parse(json.stdout) as ConnectedReport;
    expect(fromCli.cluster?.hosts.map((host) => [host.key, host.state, host.writer])).toEqual(
      library.cluster?.hosts.map((host) => [host.key, host.state, host.writer]),
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`replication, 2 hosts, writer ${primaryKey}`);
    expect(text.stdout).toMatch(/replica, 0 ms behind/);
    for (const run of [json, text]) expect(run.stdout + run.stderr).not.toContain(password);
  });

  it('replication stopped: a warning (threads stopped, semi-sync off), the replica is lagging, exit 0', async () => {
    await pair.stopReplication();
    try {
      const [report, text] = await Promise.all([runDoctor({ url }), runCli(['doctor', url])]);
      expect((await pair.status()).sqlRunning).toBe('No');
      const library = connected(report);
      expect(library.cluster?.hosts[1]).toMatchObject({
        key: replicaKey,
        state: 'lagging',
        replication: { ioRunning: false, sqlRunning: false },
      });
      expect(library.cluster?.writer).toBe(primaryKey);
      expect(finding(library, 'replication-running')).toMatchObject({
        severity: 'warn',
        hosts: [replicaKey],
      });
      expect(finding(library, 'semi-sync').severity).toBe('warn');
      expect(library.exitCode).toBe(0);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/Replication is stopped on/);
    } finally {
      await pair.startReplication();
      await pair.waitForCatchUp();
    }
  });

  it('read_only off on the replica: split brain, no writer, severe, exit 1', async () => {
    await pair.replica.query('SET GLOBAL read_only = 0');
    try {
      const [report, json, text] = await Promise.all([
        runDoctor({ url }),
        runCli(['doctor', url, '--json']),
        runCli(['doctor', url]),
      ]);
      const library = connected(report);
      expect(library.cluster).toMatchObject({
        election: 'split-brain',
        writer: null,
        checkedHost: primaryKey,
      });
      expect(library.cluster?.hosts.map((host) => host.state)).toEqual(['up', 'up']);
      expect(finding(library, 'cluster-writer')).toMatchObject({
        severity: 'severe',
        hosts: [primaryKey, replicaKey],
      });
      expect(finding(library, 'replica-read-only')).toMatchObject({
        severity: 'severe',
        hosts: [replicaKey],
      });
      expect(library.exitCode).toBe(1);
      expect(json.code).toBe(1);
      expect((JSON.parse(json.stdout) as ConnectedReport).cluster?.election).toBe('split-brain');
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/split brain/);
      expect(text.stdout).toMatch(/✖ SEVERE\s*│\s*writer/);
      expect(finding(library, 'cluster-writer').summary).toContain(
        `Split brain: ${primaryKey} and ${replicaKey} are all writable`,
      );
    } finally {
      await pair.replica.query('SET GLOBAL read_only = 1');
    }
  });

  it('a wrong password: every host down with auth-failed, exit 2, neither password printed', async () => {
    const wrong = 'Wr0ng-cluster-pw';
    const bad = url.replace(`:${encodeURIComponent(password)}@`, `:${wrong}@`);
    const [report, text] = await Promise.all([runDoctor({ url: bad }), runCli(['doctor', bad])]);
    expect(report.connected).toBe(false);
    expect(report.cluster?.hosts.map((host) => [host.state, host.failure?.kind])).toEqual([
      ['down', 'auth-failed'],
      ['down', 'auth-failed'],
    ]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/auth-failed/);
    const everything = JSON.stringify(report) + text.stdout + text.stderr;
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(password);
  });

  it('a listed host that refuses connections is down with the classified reason; the pair still has its writer', async () => {
    const port = await refusedPort();
    const library = connected(
      await runDoctor({ url: urlOf(`${primaryKey},${replicaKey},127.0.0.1:${port}`) }),
    );
    expect(library.cluster?.hosts[2]).toMatchObject({
      key: `127.0.0.1:${port}`,
      reachable: false,
      state: 'down',
      failure: { kind: 'connect-failed', code: 'ECONNREFUSED' },
    });
    expect(library.cluster?.writer).toBe(primaryKey);
    expect(finding(library, 'cluster-hosts')).toMatchObject({
      severity: 'warn',
      hosts: [`127.0.0.1:${port}`],
    });
  });

  it('a blackholed host (accepts, never answers) is down by the connect timeout; the writer is still found', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const report = await runDoctor({
        url: urlOf(`${primaryKey},${replicaKey},127.0.0.1:${address.port}`),
        connectTimeoutMs: 2_000,
      });
      const library = connected(report);
      expect(library.cluster?.hosts[2]).toMatchObject({
        reachable: false,
        state: 'down',
        failure: { kind: 'connect-failed', code: 'ETIMEDOUT' },
      });
      expect(library.cluster?.writer).toBe(primaryKey);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
