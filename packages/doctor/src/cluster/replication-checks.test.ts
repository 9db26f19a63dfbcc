import { describe, expect, it } from 'vitest';
import { checkClusterHosts } from './check-cluster-hosts.js';
import { checkClusterWriter } from './check-cluster-writer.js';
import { checkGtidStrictMode } from './check-gtid-strict-mode.js';
import { checkReplicaLag } from './check-replica-lag.js';
import { checkReplicaReadOnly } from './check-replica-read-only.js';
import { checkReplicationReplicas } from './check-replication-replicas.js';
import { checkReplicationRunning } from './check-replication-running.js';
import { checkSemiSync } from './check-semi-sync.js';
import { galeraCluster, primary, replica, replicationCluster } from './cluster-facts.fixture.js';
import { runClusterChecks } from './run-cluster-checks.js';

describe('replication cluster checks', () => {
  it('a healthy semi-sync GTID pair: every check ok, the writable host is the writer', () => {
    const findings = runClusterChecks(replicationCluster());
    expect(findings.map((finding) => finding.id)).toEqual([
      'cluster-writer',
      'cluster-hosts',
      'replication-replicas',
      'replica-read-only',
      'replication-running',
      'replica-lag',
      'gtid-strict-mode',
      'semi-sync',
    ]);
    expect(findings.filter((finding) => finding.severity !== 'ok')).toEqual([]);
  });

  it('no replica: warn', () => {
    expect(checkReplicationReplicas(replicationCluster([primary()]))?.severity).toBe('warn');
  });

  it('read_only off on the replica: two writable hosts, split brain (severe twice)', () => {
    const facts = replicationCluster([
      primary(),
      replica({}, { state: 'up', reason: 'writable (read_only is OFF)', readOnly: false }),
    ]);
    expect(facts.election.kind).toBe('split-brain');
    const writer = checkClusterWriter(facts);
    expect(writer.severity).toBe('severe');
    expect(writer.summary).toMatch(/Split brain: 10\.0\.0\.1:3306 and 10\.0\.0\.2:3306/);
    expect(checkReplicaReadOnly(facts)).toMatchObject({ severity: 'severe', hosts: ['10.0.0.2:3306'] });
  });

  it('replication stopped: warn with the thread states and error numbers; lag is not judged', () => {
    const stopped = replica(
      { ioRunning: false, sqlRunning: false, lagMs: null, lastIoErrno: 2003 },
      { state: 'lagging', reason: 'replication is not running (Seconds_Behind_Master is NULL)' },
    );
    const facts = replicationCluster([primary(), stopped]);
    const running = checkReplicationRunning(facts);
    expect(running?.severity).toBe('warn');
    expect(running?.summary).toContain('IO thread stopped, SQL thread stopped (last IO error 2003)');
    expect(checkReplicaLag(facts)?.severity).toBe('ok');
    // A stopped replica is out of service (lagging), a healthy read-only replica is not.
    expect(checkClusterHosts(facts).hosts).toEqual(['10.0.0.2:3306']);
    expect(checkClusterHosts(replicationCluster()).severity).toBe('ok');
  });

  it('replica status unreadable (no privilege): info, not a false alarm', () => {
    const unknown = replica({ isReplica: null, ioRunning: null, sqlRunning: null, lagMs: null });
    expect(checkReplicationRunning(replicationCluster([primary(), unknown]))?.severity).toBe('info');
  });

  it('lag over the threshold warns', () => {
    const behind = replica({ lagMs: 12_000 });
    const finding = checkReplicaLag(replicationCluster([primary(), behind]));
    expect(finding).toMatchObject({ severity: 'warn', values: { maxLagMs: 12_000, thresholdMs: 5_000 } });
    expect(finding?.summary).toContain('12 s behind');
  });

  it('gtid_strict_mode off (MariaDB) or gtid_mode OFF (MySQL) warns', () => {
    expect(
      checkGtidStrictMode(replicationCluster([primary({ gtidStrictMode: false }), replica()]))?.severity,
    ).toBe('warn');
    const mysql = primary({ gtidStrictMode: null, gtidMode: 'OFF_PERMISSIVE' });
    expect(
      checkGtidStrictMode(replicationCluster([mysql, replica({ gtidStrictMode: null, gtidMode: 'ON' })])),
    ).toMatchObject({
      severity: 'warn',
      hosts: ['10.0.0.1:3306'],
    });
  });

  it('semi-sync off, or fallen back to async, warns: acknowledged commits can be lost', () => {
    const off = checkSemiSync(replicationCluster([primary({ semiSyncPrimaryEnabled: false }), replica()]));
    expect(off?.severity).toBe('warn');
    expect(off?.summary).toMatch(/lost if the primary dies/);
    const fellBack = checkSemiSync(
      replicationCluster([primary({ semiSyncPrimaryActive: false }), replica()]),
    );
    expect(fellBack?.summary).toMatch(/fell back to asynchronous/);
    const replicaOff = checkSemiSync(
      replicationCluster([primary(), replica({ semiSyncReplicaEnabled: false })]),
    );
    expect(replicaOff?.hosts).toEqual(['10.0.0.2:3306']);
  });

  it('replication checks say nothing about a Galera cluster', () => {
    const facts = galeraCluster();
    for (const check of [
      checkReplicationReplicas,
      checkReplicaReadOnly,
      checkReplicationRunning,
      checkReplicaLag,
      checkGtidStrictMode,
      checkSemiSync,
    ]) {
      expect(check(facts)).toBeNull();
    }
  });
});
