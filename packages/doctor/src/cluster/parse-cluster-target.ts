import type { ClusterPolicy } from '@goneaway/core';
import { parsePolicy } from '@goneaway/core';
import { hostKey, parseClusterUrl } from '@goneaway/core/adapter';
import { type MysqlTarget, parseMysqlUrl } from '../connection/parse-mysql-url.js';
import { DoctorUsageError } from '../doctor-usage-error.js';

/** A cluster to check: the hosts and flavor, and the credentials every host is asked with. */
export interface ClusterTarget {
  readonly cluster: ClusterPolicy;
  /** User, password, database and TLS, as for one server; `host`/`port` are the first host's. */
  readonly credentials: MysqlTarget;
  /** `mysql://user:***@h1:3306,h2:3306/db?flavor=galera`: the only form ever printed. */
  readonly redacted: string;
}

const CLUSTER_URL_SHAPE =
  'mysql://user:password@host1:port1,host2:port2/database?flavor=galera|replication|proxy';

/**
 * The cluster form of the doctor's URL: several hosts and `?flavor=` (the `cluster` option's URL
 * form in @goneaway/core, parsed by core's own parser and schema). Returns undefined for a
 * one-server URL without `flavor`. Messages never quote the URL.
 */
export function parseClusterTarget(url: string): ClusterTarget | undefined {
  const scheme = /^(mysql|mariadb):\/\//i.exec(url);
  if (scheme === null) return undefined;
  const rest = url.slice(scheme[0].length);
  // As core's parseClusterUrl: credentials end at the last '@' before the query.
  const queryStart = rest.indexOf('?', rest.lastIndexOf('@') + 1);
  const beforeQuery = queryStart < 0 ? rest : rest.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : rest.slice(queryStart + 1).split('#')[0]);
  const at = beforeQuery.lastIndexOf('@');
  const credentials = at < 0 ? '' : beforeQuery.slice(0, at + 1);
  const afterCredentials = beforeQuery.slice(at + 1);
  const pathStart = afterCredentials.search(/[/#]/);
  const hostList = pathStart < 0 ? afterCredentials : afterCredentials.slice(0, pathStart);
  const path = pathStart < 0 ? '' : afterCredentials.slice(pathStart);
  if (!query.has('flavor')) {
    if (hostList.includes(',')) {
      throw new DoctorUsageError(
        `a URL with several hosts is a cluster: add ?flavor=galera, replication or proxy (expected ${CLUSTER_URL_SHAPE})`,
      );
    }
    return undefined;
  }
  const fromUrl = parseClusterUrl(url);
  if (!fromUrl.ok) throw new DoctorUsageError(`the cluster URL must be ${fromUrl.problem}`);
  let cluster: ClusterPolicy | undefined;
  try {
    // The object form (hosts and flavor only): core's schema checks each host, never seeing the password.
    cluster = parsePolicy({ cluster: fromUrl.options }).cluster;
  } catch (error) {
    throw new DoctorUsageError(
      `the cluster URL's hosts: ${error instanceof Error ? error.message : 'invalid'}`,
    );
  }
  if (cluster === undefined)
    throw new DoctorUsageError(`the cluster URL has no hosts (expected ${CLUSTER_URL_SHAPE})`);
  query.delete('flavor');
  const rebuiltQuery = query.toString();
  const firstHost = hostList.split(',')[0] ?? '';
  const single = parseMysqlUrl(
    `${scheme[0]}${credentials}${firstHost}${path}${rebuiltQuery === '' ? '' : `?${rebuiltQuery}`}`,
  );
  const redactedHead = single.redacted.slice(0, single.redacted.indexOf('@') + 1);
  const database = single.database === undefined ? '' : encodeURIComponent(single.database);
  const redacted = `${redactedHead}${cluster.hosts.map(hostKey).join(',')}/${database}?flavor=${cluster.flavor}${single.ssl ? '&ssl=true' : ''}`;
  return { cluster, credentials: single, redacted };
}
