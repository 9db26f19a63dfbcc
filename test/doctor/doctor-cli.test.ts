// `goneaway doctor` as a user runs it: a child process with piped stdout/stderr, against private
// MariaDB servers, a refused port and a wrong password; exit codes 0 / 1 / 2 and usage errors.
import { canControlServers, type MariaDBServer, noControlReason, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../packages/doctor/src/index.js';
import { FINDING_IDS, runDoctor } from '../../packages/doctor/src/index.js';
import { ANSI, type CliRun, refusedPort, runCli, withPassword } from './support.js';

function expectUsage(run: CliRun): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/Usage: goneaway/);
}

describe('goneaway CLI arguments', () => {
  it('wrong or missing arguments print usage on stderr and exit 2, never echoing a password', async () => {
    const secret = 'Arg-s3cret-91';
    const runs = await Promise.all([
      runCli([]),
      runCli(['doctor']),
      runCli(['doctor', 'mysql://u@127.0.0.1/db', '--pool-max', 'abc']),
      runCli(['doctor', 'mysql://u@127.0.0.1/db', '--instances', '0']),
      runCli(['doctor', 'mysql://u@127.0.0.1/db', '--no-such-flag']),
      runCli(['doctor', `postgres://u:${secret}@127.0.0.1/db`, '--json']),
      runCli(['doctor', '--pool-max', `mysql://u:${secret}@127.0.0.1/db`]),
      runCli(['doctor', `mysql://u:${secret}@127.0.0.1/db`, 'extra-argument']),
      runCli(['frobnicate']),
    ]);
    for (const run of runs) {
      expectUsage(run);
      expect(run.stderr).not.toContain(secret);
    }
    expect(runs[1]?.stderr).toMatch(/missing required argument 'mysql-url'/);
    expect(runs[2]?.stderr).toMatch(/--pool-max <n>.*Expected a positive integer/);
    expect(runs[5]?.stderr).toMatch(/must start with mysql:\/\/ or mariadb:\/\//);
  });

  it('--help prints usage on stdout and exits 0', async () => {
    const run = await runCli(['doctor', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: goneaway doctor \[options\] <mysql-url>/);
    for (const flag of [
      '--pool-max',
      '--instances',
      '--idle-ms',
      '--lifetime-ms',
      '--max-lag-ms',
      '--goneaway',
      '--json',
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });

  it('a refused port exits 2 with the classified reason and hint on stderr', async () => {
    const port = await refusedPort();
    const url = `mysql://app:Refused-s3cret@127.0.0.1:${port}/db`;
    const [text, json, library] = await Promise.all([
      runCli(['doctor', url]),
      runCli(['doctor', url, '--json']),
      runDoctor({ url }),
    ]);
    if (library.connected) throw new Error('connected to a closed port');
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain(`cannot connect to mysql://app:***@127.0.0.1:${port}/db`);
    expect(text.stderr).toMatch(/reason\s+connect-failed \(ECONNREFUSED\)/);
    expect(text.stderr).toContain(library.failure.hint);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      connected: false,
      exitCode: 2,
      failure: { kind: 'connect-failed' },
    });
    for (const run of [text, json]) expect(run.stdout + run.stderr).not.toContain('Refused-s3cret');
  });
});

describe('goneaway doctor with a cluster URL (no servers needed)', () => {
  it('several hosts without ?flavor= is a usage error that never echoes the password', async () => {
    const run = await runCli(['doctor', 'mysql://u:Cl-s3cret@127.0.0.1:1,127.0.0.1:2/db']);
    expectUsage(run);
    expect(run.stderr).toMatch(/add \?flavor=galera, replication or proxy/);
    expect(run.stderr).not.toContain('Cl-s3cret');
  });

  it('every host refusing: exit 2, each host down with its classified reason, CLI and API agree', async () => {
    const [a, b] = [await refusedPort(), await refusedPort()];
    const url = `mysql://app:Cl-s3cret@127.0.0.1:${a},127.0.0.1:${b}/db?flavor=galera`;
    const [text, json, library] = await Promise.all([
      runCli(['doctor', url]),
      runCli(['doctor', url, '--json']),
      runDoctor({ url }),
    ]);
    if (library.connected) throw new Error('connected to closed ports');
    expect(library.cluster).toMatchObject({ election: 'none', writer: null, checkedHost: null });
    expect(library.cluster?.hosts.map((host) => [host.key, host.state, host.failure?.code])).toEqual([
      [`127.0.0.1:${a}`, 'down', 'ECONNREFUSED'],
      [`127.0.0.1:${b}`, 'down', 'ECONNREFUSED'],
    ]);
    expect(library.cluster?.findings.find((f) => f.id === 'cluster-writer')?.severity).toBe('severe');
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(
      `cannot connect to mysql://app:***@127.0.0.1:${a},127.0.0.1:${b}/db?flavor=galera`,
    );
    expect(text.stderr).toMatch(/no writer/);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ connected: false, cluster: { election: 'none' } });
    for (const run of [text, json]) expect(run.stdout + run.stderr).not.toContain('Cl-s3cret');
  });
});

describe.skipIf(!canControlServers)('goneaway doctor against private MariaDB servers', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);
  let clean: MariaDBServer;
  let short: MariaDBServer;
  beforeAll(async () => {
    [clean, short] = await Promise.all([
      startMariaDB(),
      startMariaDB({ serverOptions: { wait_timeout: 2, max_allowed_packet: '1M' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([clean?.destroy(), short?.destroy()]);
  });

  it('a clean server: a plain table (no colour on a pipe), exit 0, no password', async () => {
    const run = await runCli(['doctor', clean.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`goneaway doctor  mysql://goneaway:***@127.0.0.1:${clean.port}/goneaway`);
    for (const title of [
      'wait_timeout',
      'max_allowed_packet',
      'max_connections',
      'read_only',
      'TCP keepalive',
    ]) {
      expect(run.stdout).toContain(title);
    }
    expect(run.stdout).toMatch(/0 severe .*nothing severe \(exit 0\)/);
    expect(run.stdout).not.toMatch(ANSI);
    expect(run.stdout).not.toContain(clean.connection.password);
  });

  it('colour only when forced, and NO_COLOR wins over FORCE_COLOR', async () => {
    const [forced, both] = await Promise.all([
      runCli(['doctor', clean.url], { FORCE_COLOR: '1' }),
      runCli(['doctor', clean.url], { FORCE_COLOR: '1', NO_COLOR: '1' }),
    ]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(ANSI);
    expect(both.code).toBe(0);
    expect(both.stdout).not.toMatch(ANSI);
  });

  it('a severe finding exits 1; --json prints one document with the same findings as runDoctor()', async () => {
    const flags = ['--pool-max', '4', '--instances', '2', '--idle-ms', '30000'];
    const [text, json, library] = await Promise.all([
      runCli(['doctor', short.url, ...flags]),
      runCli(['doctor', short.url, ...flags, '--json']),
      runDoctor({ url: short.url, poolMax: 4, instances: 2, idleMs: 30_000 }),
    ]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/SEVERE/);
    expect(text.stdout).toMatch(/something is severe \(exit 1\)/);

    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    const document = JSON.parse(json.stdout) as DoctorReport;
    if (!document.connected || !library.connected) throw new Error('expected connected reports');
    expect(document.exitCode).toBe(1);
    expect(document.assumptions).toEqual({
      poolMax: 4,
      instances: 2,
      idleMs: 30_000,
      lifetimeMs: null,
      goneaway: false,
    });
    expect(document.findings.map((f) => f.id)).toEqual(FINDING_IDS);
    expect(document.findings.map((f) => [f.id, f.severity])).toEqual(
      library.findings.map((f) => [f.id, f.severity]),
    );
    expect(document.findings.find((f) => f.id === 'wait-timeout')?.severity).toBe('severe');
    expect(document.findings.find((f) => f.id === 'max-allowed-packet')?.values.maxAllowedPacket).toBe(
      1_048_576,
    );
    expect(json.stdout).not.toContain(short.connection.password);
  });

  it('--goneaway judges the same server by what goneaway derives: nothing severe, exit 0', async () => {
    const run = await runCli(['doctor', short.url, '--goneaway', '--json']);
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as DoctorReport;
    if (!document.connected) throw new Error('expected a connected report');
    expect(document.counts.severe).toBe(0);
    expect(document.findings.find((f) => f.id === 'wait-timeout')?.severity).toBe('warn');
  });

  it('a wrong password exits 2 with auth-failed, and neither password appears on stdout or stderr', async () => {
    const wrong = 'Wrong-Passw0rd-4c2';
    const url = withPassword(clean.url, wrong);
    const [text, json] = await Promise.all([runCli(['doctor', url]), runCli(['doctor', url, '--json'])]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/reason\s+auth-failed \(ER_ACCESS_DENIED_ERROR, errno 1045\)/);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      connected: false,
      failure: { kind: 'auth-failed', errno: 1045 },
    });
    for (const run of [text, json]) {
      const output = run.stdout + run.stderr;
      expect(output).not.toContain(wrong);
      expect(output).not.toContain(encodeURIComponent(wrong));
      expect(output).not.toContain(clean.connection.password);
    }
  });
});
