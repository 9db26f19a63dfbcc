import { electWriter } from '@goneaway/core/adapter';
import { checkServer } from './check-server.js';
import type { ElectionOutcome, HostFacts } from './cluster/cluster-facts.js';
import { describeHosts } from './cluster/describe-hosts.js';
import { type ClusterTarget, parseClusterTarget } from './cluster/parse-cluster-target.js';
import { readClusterHost } from './cluster/read-cluster-host.js';
import { runClusterChecks } from './cluster/run-cluster-checks.js';
import { parseMysqlUrl } from './connection/parse-mysql-url.js';
import type {
  ClusterSummary,
  DoctorOptions,
  DoctorReport,
  FindingCounts,
  PoolAssumptions,
  Severity,
} from './doctor-report.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_LAG_MS,
  positiveInteger,
  resolveAssumptions,
} from './resolve-assumptions.js';
import { worstSeverity } from './worst-severity.js';

/**
 * Connects once, reads the server's settings and status, and judges them against the pool described
 * by `options`. A URL with several hosts and `?flavor=` is a cluster: every host is probed as
 * @goneaway/core's monitor probes it, the writer is chosen as core chooses it, the cluster checks run
 * on what was read, and the single-server checks run against the writer. Never rejects for a server
 * problem: an unreachable server gives a report with `connected: false` and the classified reason.
 * Rejects with DoctorUsageError for invalid options. Nothing in the report contains the password.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const assumptions = resolveAssumptions(options);
  const timeoutMs = positiveInteger(
    'connectTimeoutMs',
    options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  );
  const maxLagMs = positiveInteger('maxLagMs', options.maxLagMs ?? DEFAULT_MAX_LAG_MS);
  const cluster = parseClusterTarget(options.url);
  if (cluster !== undefined) return runClusterDoctor(cluster, assumptions, timeoutMs, maxLagMs);

  const target = parseMysqlUrl(options.url);
  const base = { target: target.redacted, checkedAt: new Date().toISOString(), assumptions };
  const result = await checkServer(target, assumptions, timeoutMs);
  if (!result.ok) return { ...base, connected: false, failure: result.failure, exitCode: 2 };
  const worst = worstSeverity(result.findings.map((finding) => finding.severity));
  return {
    ...base,
    connected: true,
    server: result.server,
    findings: result.findings,
    counts: countBySeverity(result.findings.map((finding) => finding.severity)),
    worst,
    exitCode: worst === 'severe' ? 1 : 0,
  };
}

async function runClusterDoctor(
  target: ClusterTarget,
  assumptions: PoolAssumptions,
  timeoutMs: number,
  maxLagMs: number,
): Promise<DoctorReport> {
  const base = { target: target.redacted, checkedAt: new Date().toISOString(), assumptions };
  const { flavor, hosts } = target.cluster;
  const credentials = target.credentials;
  const readings = await Promise.all(
    hosts.map((host) => readClusterHost(host, flavor, credentials, { timeoutMs, maxLagMs })),
  );
  const facts = readings.map((reading) => reading.facts);
  const election: ElectionOutcome = electWriter(
    flavor,
    readings.map((reading) => ({ key: reading.facts.key, state: reading.facts.state, probe: reading.probe })),
    undefined,
  );
  const writerKey = election.kind === 'writer' ? election.key : null;
  const findings = runClusterChecks({ flavor, hosts: facts, election, maxLagMs });
  const checkedIndex =
    writerKey === null
      ? facts.findIndex((host) => host.reachable)
      : facts.findIndex((host) => host.key === writerKey);
  const checked = checkedIndex < 0 ? undefined : hosts[checkedIndex];
  const summary: ClusterSummary = {
    flavor,
    hosts: facts.map((host) => ({ ...host, writer: host.key === writerKey })),
    election: election.kind,
    writer: writerKey,
    checkedHost: checked === undefined ? null : (facts[checkedIndex] as HostFacts).key,
    maxLagMs,
    findings,
  };
  const clusterSeverities = findings.map((finding) => finding.severity);

  if (checked === undefined) {
    const first = facts[0]?.failure;
    return {
      ...base,
      cluster: summary,
      connected: false,
      failure: {
        kind: first?.kind ?? 'connect-failed',
        code: first?.code ?? null,
        errno: first?.errno ?? null,
        hint: first?.hint ?? 'Check that the servers are running and reachable.',
        message: `no host of the cluster answered: ${describeHosts(facts)}`,
      },
      exitCode: 2,
    };
  }
  const result = await checkServer(
    { ...credentials, host: checked.host, port: checked.port },
    assumptions,
    timeoutMs,
  );
  if (!result.ok) {
    return { ...base, cluster: summary, connected: false, failure: result.failure, exitCode: 2 };
  }
  const severities = [...result.findings.map((finding) => finding.severity), ...clusterSeverities];
  const worst = worstSeverity(severities);
  return {
    ...base,
    cluster: summary,
    connected: true,
    server: result.server,
    findings: result.findings,
    counts: countBySeverity(severities),
    worst,
    exitCode: worst === 'severe' ? 1 : 0,
  };
}

function countBySeverity(severities: readonly Severity[]): FindingCounts {
  const counts = { ok: 0, info: 0, warn: 0, severe: 0 };
  for (const severity of severities) counts[severity]++;
  return counts;
}
