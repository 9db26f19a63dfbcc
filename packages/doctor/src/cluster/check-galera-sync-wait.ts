import type { ClusterFinding } from '../doctor-report.js';
import type { ClusterFacts } from './cluster-facts.js';
import { listKeys } from './describe-hosts.js';

/**
 * wsrep_sync_wait = 0: a read does not wait until the node has applied what the cluster committed, so
 * after a writer change a read on the new writer can miss a write the app was just told succeeded.
 */
export function checkGaleraSyncWait({ flavor, hosts }: ClusterFacts): ClusterFinding | null {
  if (flavor !== 'galera') return null;
  const read = hosts.filter((host) => host.galera?.syncWait !== null && host.galera?.syncWait !== undefined);
  const off = read.filter((host) => host.galera?.syncWait === 0);
  const base = { id: 'galera-sync-wait', title: 'wsrep_sync_wait' } as const;
  if (read.length === 0) {
    return {
      ...base,
      severity: 'info',
      summary: 'wsrep_sync_wait could not be read on any node.',
      fix: 'Nothing to change here; see hosts.',
      values: { syncWaitOffOn: null },
      hosts: [],
    };
  }
  if (off.length === 0) {
    return {
      ...base,
      severity: 'ok',
      summary: 'wsrep_sync_wait is on: reads wait for the node to apply what the cluster committed.',
      fix: 'Nothing to change.',
      values: { syncWaitOffOn: 0 },
      hosts: [],
    };
  }
  return {
    ...base,
    severity: 'info',
    summary: `wsrep_sync_wait is 0 on ${listKeys(off.map((host) => host.key))}: a read does not wait for the node to apply the cluster's latest commits, so right after a writer change, or on a reader, it can miss a write that was already acknowledged.`,
    fix: "If reads must see the app's own writes: goneaway's readYourWrites sets wsrep_sync_wait per session; or SET SESSION wsrep_sync_wait = 1 before such reads (SET GLOBAL slows every read).",
    values: { syncWaitOffOn: off.length },
    hosts: off.map((host) => host.key),
  };
}
