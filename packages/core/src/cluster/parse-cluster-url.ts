import type { ClusterFlavor, ClusterOptions } from './cluster-options.js';

export const CLUSTER_FLAVORS: readonly ClusterFlavor[] = Object.freeze(['galera', 'replication', 'proxy']);

export type ClusterUrlResult =
  | { readonly ok: true; readonly options: ClusterOptions }
  | { readonly ok: false; readonly problem: string };

/**
 * The URL form of the `cluster` option: `mysql://user:pw@h1:3306,h2:3307,h3/db?flavor=galera`.
 * Only the host list and `flavor` are read (user, password and database stay the driver's);
 * each host is checked later by the option schema like any other host string. A problem is
 * described without quoting the URL: it holds a password.
 */
export function parseClusterUrl(url: string): ClusterUrlResult {
  const scheme = /^(mysql|mariadb):\/\//i.exec(url);
  if (scheme === null) return { ok: false, problem: "a URL that starts with 'mysql://' or 'mariadb://'" };
  const rest = url.slice(scheme[0].length);
  // Credentials end at the last '@' (a password may hold an unescaped '@' or '/'); hosts run to the path.
  const queryStart = rest.indexOf('?', rest.lastIndexOf('@') + 1);
  const beforeQuery = queryStart < 0 ? rest : rest.slice(0, queryStart);
  const at = beforeQuery.lastIndexOf('@');
  const afterCredentials = beforeQuery.slice(at + 1);
  const pathStart = afterCredentials.search(/[/#]/);
  const hostList = pathStart < 0 ? afterCredentials : afterCredentials.slice(0, pathStart);
  if (hostList === '') return { ok: false, problem: 'a URL with at least one host after the credentials' };
  const hosts = hostList.split(',');
  const emptyAt = hosts.indexOf('');
  if (emptyAt >= 0)
    return { ok: false, problem: `a URL host list without an empty entry (host ${emptyAt} is empty)` };

  const query = queryStart < 0 ? '' : rest.slice(queryStart + 1).split('#')[0];
  const flavor = new URLSearchParams(query).get('flavor');
  if (flavor === null) {
    return { ok: false, problem: `a URL with ?flavor= one of ${CLUSTER_FLAVORS.join(', ')}` };
  }
  if (!(CLUSTER_FLAVORS as readonly string[]).includes(flavor)) {
    return { ok: false, problem: `a URL whose ?flavor= is one of ${CLUSTER_FLAVORS.join(', ')}` };
  }
  return { ok: true, options: { hosts, flavor: flavor as ClusterFlavor } };
}
