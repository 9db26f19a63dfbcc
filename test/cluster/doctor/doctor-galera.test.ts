// `goneaway doctor` against a real 3-node Galera cluster (the harness's): every node's state and which
// one is the writer, through runDoctor() and the CLI, healthy, with one node desynced and with one
// isolated; the harness's own view of each node (root, SHOW STATUS) is the control.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFinding, ConnectedReport, DoctorReport } from '../../../packages/doctor/src/index.js';
import { runDoctor } from '../../../packages/doctor/src/index.js';
import { runCli } from '../../doctor/support.js';
import {
  canControlServers,
  type GaleraCluster,
  type GaleraNode,
  galeraUnavailableReason,
  noControlReason,
  startGaleraCluster,
} from '../../harness/src/index.js';

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`doctor Galera tests skipped: ${skipReason}`);

function connected(report: DoctorReport): ConnectedReport {
  if (!report.connected) throw new Error(`not connected: ${report.failure.message}`);
  return report;
}

function finding(report: DoctorReport, id: ClusterFinding['id']): ClusterFinding {
  const found = report.cluster?.findings.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no ${id} finding`);
  return found;
}

const keyOf = (node: GaleraNode): string => `127.0.0.1:${node.port}`;

/** The control: the writer as MaxScale chooses it, read as root with SHOW STATUS on every node. */
async function expectedWriter(nodes: readonly GaleraNode[]): Promise<string> {
  let best: { key: string; index: number } | undefined;
  for (const node of nodes) {
    const rows = await node.query<{ Variable_name: string; Value: string }>(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_index', 'wsrep_local_state', 'wsrep_cluster_status')",
    );
    const value = new Map(rows.map((row) => [row.Variable_name.toLowerCase(), row.Value]));
    const desync = await node.query<{ v: number }>('SELECT @@global.wsrep_desync AS v');
    if (value.get('wsrep_cluster_status') !== 'Primary' || value.get('wsrep_local_state') !== '4') continue;
    if (Number(desync[0]?.v) === 1) continue;
    const index = Number(value.get('wsrep_local_index'));
    if (best === undefined || index < best.index) best = { key: keyOf(node), index };
  }
  if (best === undefined) throw new Error('no Synced node');
  return best.key;
}

describe.skipIf(skipReason !== undefined)('goneaway doctor against a Galera cluster', () => {
  let cluster: GaleraCluster;
  let url: string;
  let password: string;

  beforeAll(async () => {
    cluster = await startGaleraCluster();
    const first = cluster.node(1).connection;
    password = first.password;
    const hosts = cluster.nodes.map(keyOf).join(',');
    url = `mysql://${first.user}:${encodeURIComponent(password)}@${hosts}/${first.database}?flavor=galera`;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a healthy cluster: every node up, the writer is the lowest wsrep_local_index, server checks on it', async () => {
    const [report, json, text] = await Promise.all([
      runDoctor({ url }),
      runCli(['doctor', url, '--json']),
      runCli(['doctor', url]),
    ]);
    const writer = await expectedWriter(cluster.nodes);
    const library = connected(report);
    expect(library.cluster?.flavor).toBe('galera');
    expect(library.cluster?.hosts.map((host) => [host.key, host.state, host.writer])).toEqual(
      cluster.nodes.map((node) => [keyOf(node), 'up', keyOf(node) === writer]),
    );
    expect(library.cluster).toMatchObject({ election: 'writer', writer, checkedHost: writer });
    expect(library.server.version).toMatch(/MariaDB/);
    expect(library.findings.length).toBeGreaterThan(0);
    for (const id of [
      'cluster-writer',
      'cluster-hosts',
      'galera-cluster-size',
      'galera-desync',
      'galera-reject-queries',
    ] as const) {
      expect(finding(library, id).severity).toBe('ok');
    }
    // The harness leaves wsrep_sync_wait at MariaDB's default, 0, and the evs timeouts at Galera's.
    expect(finding(library, 'galera-sync-wait').severity).toBe('info');
    expect(finding(library, 'galera-evs-timeouts').values).toEqual({
      suspectTimeoutMs: 5000,
      inactiveTimeoutMs: 15000,
    });
    expect(library.exitCode).toBe(0);

    expect(json.code).toBe(0);
    const fromCli = JSON.parse(json.stdout) as ConnectedReport;
    expect(fromCli.target).toBe(library.target);
    expect(fromCli.target).toContain(':***@');
    expect(fromCli.cluster?.writer).toBe(writer);
    expect(fromCli.cluster?.findings.map((f) => [f.id, f.severity])).toEqual(
      library.cluster?.findings.map((f) => [f.id, f.severity]),
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`galera, 3 hosts, writer ${writer}`);
    expect(text.stdout).toMatch(/wsrep_sync_wait/);
    for (const run of [json, text]) expect(run.stdout + run.stderr).not.toContain(password);
  });

  it('a desynced node is reported desynced with wsrep_desync ON, and is not the writer', async () => {
    const writerBefore = await expectedWriter(cluster.nodes);
    const node = cluster.nodes.find((candidate) => keyOf(candidate) !== writerBefore) as GaleraNode;
    await node.desync(true);
    try {
      await node.waitForState({ desync: true });
      const [report, text] = await Promise.all([runDoctor({ url }), runCli(['doctor', url])]);
      const library = connected(report);
      const host = library.cluster?.hosts.find((candidate) => candidate.key === keyOf(node));
      expect(host).toMatchObject({ reachable: true, state: 'desynced', desync: true, writer: false });
      expect(finding(library, 'galera-desync')).toMatchObject({ severity: 'warn', hosts: [keyOf(node)] });
      expect(finding(library, 'cluster-hosts')).toMatchObject({ severity: 'warn', hosts: [keyOf(node)] });
      expect(library.cluster?.writer).toBe(writerBefore);
      expect(text.stdout).toMatch(new RegExp(`${keyOf(node)}\\s*│\\s*desynced`));
      expect(text.stdout).not.toContain(password);
    } finally {
      await node.desync(false);
      await node.waitForSynced(3);
    }
  });

  it('wsrep_reject_queries = ALL on a node: it is out of service and never the writer', async () => {
    const writerBefore = await expectedWriter(cluster.nodes);
    const node = cluster.nodes.find((candidate) => keyOf(candidate) !== writerBefore) as GaleraNode;
    await node.rejectQueries('ALL');
    try {
      await node.waitForState({ rejectQueries: 'ALL' });
      const library = connected(await runDoctor({ url }));
      const host = library.cluster?.hosts.find((candidate) => candidate.key === keyOf(node));
      // The probe still answers (information_schema only), so the doctor reads why the node refuses.
      expect(host).toMatchObject({ reachable: true, state: 'down', rejectQueries: 'ALL' });
      expect(host?.reason).toBe('wsrep_reject_queries is ALL');
      expect(finding(library, 'galera-reject-queries')).toMatchObject({
        severity: 'warn',
        hosts: [keyOf(node)],
      });
      expect(host?.writer).toBe(false);
      expect(library.cluster?.writer).toBe(writerBefore);
      expect(finding(library, 'cluster-hosts')).toMatchObject({ severity: 'warn', hosts: [keyOf(node)] });
    } finally {
      await node.rejectQueries('NONE');
      await node.waitForSynced(3);
    }
  });

  it('the writer isolated: it turns non-primary, another node becomes the writer, 2 nodes left warns', async () => {
    const writerBefore = await expectedWriter(cluster.nodes);
    const node = cluster.nodes.find((candidate) => keyOf(candidate) === writerBefore) as GaleraNode;
    const others = cluster.nodes.filter((candidate) => candidate !== node);
    await node.isolate();
    try {
      await node.waitForState((status) => status.reachable && status.clusterStatus !== 'Primary');
      await Promise.all(others.map((other) => other.waitForSynced(2)));
      const [report, text] = await Promise.all([runDoctor({ url }), runCli(['doctor', url])]);
      const library = connected(report);
      const writer = await expectedWriter(others);
      const isolated = library.cluster?.hosts.find((candidate) => candidate.key === keyOf(node));
      expect(isolated).toMatchObject({ reachable: true, state: 'non-primary', writer: false });
      expect(isolated?.reason).toMatch(/wsrep_cluster_status|WSREP not ready/);
      expect(library.cluster).toMatchObject({ election: 'writer', writer, checkedHost: writer });
      expect(writer).not.toBe(writerBefore);
      expect(finding(library, 'cluster-hosts')).toMatchObject({ severity: 'warn', hosts: [keyOf(node)] });
      expect(finding(library, 'galera-cluster-size')).toMatchObject({
        severity: 'warn',
        values: { clusterSize: 2, listedHosts: 3 },
      });
      expect(text.stdout).toContain(`writer ${writer}`);
      expect(text.stdout).toMatch(new RegExp(`${keyOf(node)}\\s*│\\s*non-primary`));
    } finally {
      await node.rejoin();
      await cluster.waitForSynced();
    }
  });
});
