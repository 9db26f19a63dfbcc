import { describe, expect, it } from 'vitest';
import { checkClusterHosts } from './check-cluster-hosts.js';
import { checkClusterWriter } from './check-cluster-writer.js';
import { checkGaleraClusterSize } from './check-galera-cluster-size.js';
import { checkGaleraDesync } from './check-galera-desync.js';
import { checkGaleraEvsTimeouts } from './check-galera-evs-timeouts.js';
import { checkGaleraRejectQueries } from './check-galera-reject-queries.js';
import { checkGaleraSyncWait } from './check-galera-sync-wait.js';
import { galeraCluster, galeraNode, replicationCluster } from './cluster-facts.fixture.js';
import { runClusterChecks } from './run-cluster-checks.js';

describe('Galera cluster checks', () => {
  it('a healthy 3-node cluster with sync_wait on: every check ok, the lowest index is the writer', () => {
    const findings = runClusterChecks(galeraCluster());
    expect(findings.map((finding) => finding.id)).toEqual([
      'cluster-writer',
      'cluster-hosts',
      'galera-cluster-size',
      'galera-sync-wait',
      'galera-evs-timeouts',
      'galera-desync',
      'galera-reject-queries',
    ]);
    expect(findings.every((finding) => finding.severity === 'ok')).toBe(true);
    expect(findings[0]).toMatchObject({ values: { writer: '10.0.0.1:3306' }, hosts: ['10.0.0.1:3306'] });
  });

  it('an isolated node: hosts warns with its reason, and the primary component of 2 has no quorum to spare', () => {
    const isolated = galeraNode(2, {
      state: 'non-primary',
      reason: 'wsrep_cluster_status is non-Primary',
      clusterSize: 1,
    });
    const facts = galeraCluster([
      galeraNode(0, { clusterSize: 2 }),
      galeraNode(1, { clusterSize: 2 }),
      isolated,
    ]);
    const hosts = checkClusterHosts(facts);
    expect(hosts.severity).toBe('warn');
    expect(hosts.hosts).toEqual(['10.0.0.3:3306']);
    expect(hosts.summary).toContain('non-primary (wsrep_cluster_status is non-Primary)');
    const size = checkGaleraClusterSize(facts);
    expect(size?.severity).toBe('warn');
    expect(size?.values).toMatchObject({ clusterSize: 2, listedHosts: 3 });
  });

  it('a cluster of 2 nodes warns (no quorum after one loss)', () => {
    const facts = galeraCluster([galeraNode(0, { clusterSize: 2 }), galeraNode(1, { clusterSize: 2 })]);
    expect(checkGaleraClusterSize(facts)?.severity).toBe('warn');
    expect(checkGaleraClusterSize(facts)?.fix).toMatch(/garbd/);
  });

  it('fewer hosts listed than the cluster has: info', () => {
    const facts = galeraCluster([
      galeraNode(0, { clusterSize: 4 }),
      galeraNode(1, { clusterSize: 4 }),
      galeraNode(2, { clusterSize: 4 }),
    ]);
    expect(checkGaleraClusterSize(facts)?.severity).toBe('info');
  });

  it('wsrep_sync_wait 0 is info and names the nodes', () => {
    const nodes = [0, 1, 2].map((i) =>
      galeraNode(i, { galera: { syncWait: 0, suspectTimeoutMs: 5000, inactiveTimeoutMs: 15000 } }),
    );
    const finding = checkGaleraSyncWait(galeraCluster(nodes));
    expect(finding?.severity).toBe('info');
    expect(finding?.hosts).toHaveLength(3);
    expect(finding?.fix).toMatch(/wsrep_sync_wait/);
  });

  it('evs timeouts far above the defaults warn (slow detection); at the defaults ok', () => {
    const slow = galeraNode(0, {
      galera: { syncWait: 1, suspectTimeoutMs: 30_000, inactiveTimeoutMs: 15_000 },
    });
    expect(checkGaleraEvsTimeouts(galeraCluster([slow, galeraNode(1), galeraNode(2)]))?.severity).toBe(
      'warn',
    );
    const inactive = galeraNode(0, {
      galera: { syncWait: 1, suspectTimeoutMs: 5_000, inactiveTimeoutMs: 60_000 },
    });
    expect(checkGaleraEvsTimeouts(galeraCluster([inactive]))?.values).toMatchObject({
      inactiveTimeoutMs: 60_000,
    });
    expect(checkGaleraEvsTimeouts(galeraCluster([inactive]))?.severity).toBe('warn');
    expect(checkGaleraEvsTimeouts(galeraCluster())?.severity).toBe('ok');
  });

  it('wsrep_desync ON and wsrep_reject_queries not NONE warn on those nodes', () => {
    const facts = galeraCluster([
      galeraNode(0),
      galeraNode(1, { state: 'desynced', reason: 'wsrep_desync is ON', desync: true }),
      galeraNode(2, { state: 'down', reason: 'wsrep_reject_queries is ALL', rejectQueries: 'ALL' }),
    ]);
    expect(checkGaleraDesync(facts)).toMatchObject({ severity: 'warn', hosts: ['10.0.0.2:3306'] });
    expect(checkGaleraRejectQueries(facts)).toMatchObject({ severity: 'warn', hosts: ['10.0.0.3:3306'] });
    expect(checkGaleraRejectQueries(facts)?.summary).toContain('(ALL)');
  });

  it('no writer is severe and lists every host with its state', () => {
    const down = galeraNode(0, {
      reachable: false,
      state: 'down',
      reason: 'cannot connect: connect-failed (ECONNREFUSED)',
    });
    const isolated = galeraNode(1, { state: 'non-primary', reason: 'wsrep_cluster_status is non-Primary' });
    const finding = checkClusterWriter(galeraCluster([down, isolated], null));
    expect(finding.severity).toBe('severe');
    expect(finding.summary).toContain('10.0.0.1:3306 down (cannot connect: connect-failed (ECONNREFUSED))');
    expect(finding.fix).toMatch(/primary component/);
  });

  it('Galera checks say nothing about a replication cluster', () => {
    const facts = replicationCluster();
    for (const check of [
      checkGaleraClusterSize,
      checkGaleraSyncWait,
      checkGaleraEvsTimeouts,
      checkGaleraDesync,
      checkGaleraRejectQueries,
    ]) {
      expect(check(facts)).toBeNull();
    }
  });
});
