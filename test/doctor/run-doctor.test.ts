// runDoctor() against private MariaDB servers, each configured to trigger one kind of finding, plus a
// refused port and a wrong password. The expectations come from the servers' own answers.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { classify } from '@goneaway/core';
import { canControlServers, type MariaDBServer, noControlReason, startMariaDB } from '@goneaway/test-harness';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largestStatementBytes } from '../../packages/doctor/src/checks/check-max-allowed-packet.js';
import {
  type ConnectedReport,
  type DoctorOptions,
  type DoctorReport,
  DoctorUsageError,
  FINDING_IDS,
  type Finding,
  type FindingId,
  runDoctor,
} from '../../packages/doctor/src/index.js';
import { refusedPort, withPassword } from './support.js';

function connected(report: DoctorReport): ConnectedReport {
  if (!report.connected)
    throw new Error(`expected a connection, got ${report.failure.kind}: ${report.failure.message}`);
  return report;
}

function finding(report: DoctorReport, id: FindingId): Finding {
  const found = connected(report).findings.find((f) => f.id === id);
  if (found === undefined) throw new Error(`no ${id} finding`);
  return found;
}

async function doctor(
  server: MariaDBServer,
  options: Omit<DoctorOptions, 'url'> = {},
): Promise<ConnectedReport> {
  return connected(await runDoctor({ url: server.url, ...options }));
}

async function globalNumber(server: MariaDBServer, sql: string): Promise<number> {
  const [row] = await server.query<{ v: unknown }>(sql);
  return Number(row?.v);
}

describe('runDoctor without a server', () => {
  it('a listener that never sends the handshake: exit 2 (connect-failed) after the default 5 s timeout, no hang', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const started = performance.now();
      const report = await runDoctor({ url: `mysql://app:Silent-s3cret@127.0.0.1:${address.port}/db` });
      const elapsed = performance.now() - started;
      if (report.connected) throw new Error('connected to a silent listener');
      expect(report.failure).toMatchObject({ kind: 'connect-failed', code: 'ETIMEDOUT' });
      expect(report.exitCode).toBe(2);
      // The default connect timeout, bounded generously above for a loaded machine.
      expect(elapsed).toBeGreaterThanOrEqual(4_900);
      expect(elapsed).toBeLessThan(30_000);
      expect(JSON.stringify(report)).not.toContain('Silent-s3cret');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe.skipIf(!canControlServers)('runDoctor on private MariaDB servers', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  describe('a server with the defaults', () => {
    let server: MariaDBServer;
    beforeAll(async () => {
      server = await startMariaDB();
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('finds nothing severe (exit 0) and reports every check with the values the server has', async () => {
      const report = await doctor(server);
      expect(report.exitCode).toBe(0);
      expect(report.counts.severe).toBe(0);
      expect(report.findings.map((f) => f.id)).toEqual(FINDING_IDS);
      expect(report.server.flavor).toBe('mariadb');
      expect(report.server.version).toBe(await server.version());
      expect(report.target).not.toContain(server.connection.password);
      expect(finding(report, 'wait-timeout').values.waitTimeoutSeconds).toBe(
        await globalNumber(server, 'SELECT @@global.wait_timeout AS v'),
      );
      expect(finding(report, 'max-allowed-packet').values.maxAllowedPacket).toBe(
        await globalNumber(server, 'SELECT @@global.max_allowed_packet AS v'),
      );
      expect(finding(report, 'max-connections').values.maxConnections).toBe(
        await globalNumber(server, 'SELECT @@global.max_connections AS v'),
      );
      expect(finding(report, 'read-only')).toMatchObject({
        severity: 'ok',
        values: { readOnly: false, superReadOnly: null },
      });
      for (const f of report.findings) {
        expect(f.summary.length).toBeGreaterThan(20);
        expect(f.fix.length).toBeGreaterThan(5);
      }
    });

    it('?flavor=proxy: the one address is the writer, and the server checks run on it as without', async () => {
      const report = await runDoctor({ url: `${server.url}?flavor=proxy` });
      if (!report.connected) throw new Error(report.failure.message);
      const key = `127.0.0.1:${server.port}`;
      expect(report.cluster).toMatchObject({
        flavor: 'proxy',
        election: 'writer',
        writer: key,
        checkedHost: key,
      });
      expect(report.cluster?.hosts).toHaveLength(1);
      expect(report.cluster?.hosts[0]).toMatchObject({ key, reachable: true, state: 'up', writer: true });
      expect(report.cluster?.findings.map((f) => [f.id, f.severity])).toEqual([
        ['cluster-writer', 'ok'],
        ['cluster-hosts', 'ok'],
      ]);
      expect(report.findings.map((f) => f.id)).toEqual(FINDING_IDS);
      expect(report.target).toBe(`mysql://goneaway:***@${key}/goneaway?flavor=proxy`);
      expect(report.exitCode).toBe(0);
    });

    it("reads the OS keepalive where it runs, and judges it by goneaway's 30 s with --goneaway", async () => {
      const path = '/proc/sys/net/ipv4/tcp_keepalive_time';
      const os = existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) : null;
      const bare = finding(await doctor(server), 'tcp-keepalive');
      expect(bare.values.osKeepAliveTimeSeconds).toBe(os);
      expect(bare.values.appKeepAliveDelayMs).toBe(os === null ? null : os * 1000);
      if (os !== null) expect(bare.severity).toBe(os > 300 ? 'warn' : 'ok');
      const wrapped = finding(await doctor(server, { goneaway: true }), 'tcp-keepalive');
      expect(wrapped.values.appKeepAliveDelayMs).toBe(30_000);
      expect(wrapped.severity).toBe('ok');
    });

    it('counts the connections already open, and closes its own cleanly (no Aborted_clients)', async () => {
      const first = await doctor(server);
      const open: Connection[] = [];
      try {
        for (let i = 0; i < 4; i++) open.push(await createConnection(server.connection));
        const second = await doctor(server);
        const before = finding(first, 'max-connections').values;
        const after = finding(second, 'max-connections').values;
        expect(Number(after.threadsConnected) - Number(before.threadsConnected)).toBeGreaterThanOrEqual(4);
        expect(after.otherConnections).toBe(Number(after.threadsConnected) - 1);
        // The doctor's own visits end with COM_QUIT: the server counts no aborted client for them.
        expect(finding(second, 'aborted-clients').values.abortedClients).toBe(
          finding(first, 'aborted-clients').values.abortedClients,
        );
      } finally {
        await Promise.all(open.map((c) => c.end()));
      }
    });

    it('rejects invalid options with DoctorUsageError, before connecting', async () => {
      await expect(runDoctor({ url: 'postgres://u:p@127.0.0.1/db' })).rejects.toBeInstanceOf(
        DoctorUsageError,
      );
      await expect(runDoctor({ url: server.url, poolMax: 0 })).rejects.toMatchObject({
        code: 'GONEAWAY_DOCTOR_USAGE',
        message: 'poolMax must be a positive integer (got 0)',
      });
      await expect(runDoctor({ url: server.url, idleMs: 1.5 })).rejects.toBeInstanceOf(DoctorUsageError);
    });

    it('a wrong password: exit 2, auth-failed, and no password anywhere in the report', async () => {
      const wrong = 'wrong-Pa55word-7e1';
      const report = await runDoctor({ url: withPassword(server.url, wrong) });
      if (report.connected) throw new Error('connected with a wrong password');
      expect(report.exitCode).toBe(2);
      expect(report.failure).toMatchObject({
        kind: 'auth-failed',
        errno: 1045,
        code: 'ER_ACCESS_DENIED_ERROR',
      });
      const text = JSON.stringify(report);
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(server.connection.password);
      expect(report.target).toBe(`mysql://goneaway:***@127.0.0.1:${server.port}/goneaway`);
    });
  });

  it('a refused port: exit 2, connect-failed, with the classification hint', async () => {
    const port = await refusedPort();
    const report = await runDoctor({ url: `mysql://app:s3cret-x@127.0.0.1:${port}/db` });
    if (report.connected) throw new Error('connected to a closed port');
    expect(report.exitCode).toBe(2);
    expect(report.failure.kind).toBe('connect-failed');
    expect(report.failure.code).toBe('ECONNREFUSED');
    const reference = new Error('connect ECONNREFUSED') as Error & { code: string; syscall: string };
    Object.assign(reference, { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(report.failure.hint).toBe(classify(reference).hint);
    expect(JSON.stringify(report)).not.toContain('s3cret-x');
  });

  describe('wait_timeout = 2', () => {
    let server: MariaDBServer;
    beforeAll(async () => {
      server = await startMariaDB({ serverOptions: { wait_timeout: 2 } });
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it("is severe for bare knex's 30 s idle timeout (exit 1), a short-timeout warning with goneaway (exit 0)", async () => {
      const bare = await doctor(server);
      expect(finding(bare, 'wait-timeout')).toMatchObject({
        severity: 'severe',
        values: { waitTimeoutSeconds: 2 },
      });
      expect(bare.exitCode).toBe(1);
      const wrapped = await doctor(server, { goneaway: true });
      const derived = finding(wrapped, 'wait-timeout');
      expect(derived.severity).toBe('warn');
      expect(Number(derived.values.goneawayIdleLimitMs)).toBeLessThan(2000);
      expect(wrapped.exitCode).toBe(0);
      // An idle timeout under the safe ceiling (1.75 s for 2 s) is only a warning: wait_timeout is short.
      expect(finding(await doctor(server, { idleMs: 1000 }), 'wait-timeout').severity).toBe('warn');
    });

    it('shows the connections the server timed out in Aborted_clients', async () => {
      const before = finding(await doctor(server), 'aborted-clients').values.abortedClients;
      const idle = await createConnection(server.connection);
      const closed = new Promise((resolve) => idle.on('error', resolve));
      await closed; // the server closes it after 2 s idle
      const after = finding(await doctor(server), 'aborted-clients');
      expect(Number(after.values.abortedClients)).toBeGreaterThanOrEqual(Number(before) + 1);
      expect(after.severity).toBe('info');
      idle.destroy();
    });
  });

  describe('max_allowed_packet = 1M', () => {
    let server: MariaDBServer;
    beforeAll(async () => {
      server = await startMariaDB({ serverOptions: { max_allowed_packet: '1M' } });
      await server.query('CREATE TABLE goneaway.doctor_blob (b LONGBLOB)');
      await server.query('GRANT INSERT ON goneaway.doctor_blob TO goneaway');
    });
    afterAll(async () => {
      await server?.destroy();
    });

    async function insertBlob(bytes: number): Promise<{ sqlBytes: number; error: unknown }> {
      const connection = await createConnection(server.connection);
      connection.on('error', () => {});
      const sql = 'INSERT INTO doctor_blob (b) VALUES (?)';
      const blob = Buffer.alloc(bytes, 0xab);
      const sqlBytes = Buffer.byteLength(connection.format(sql, [blob]));
      try {
        await connection.query(sql, [blob]);
        return { sqlBytes, error: undefined };
      } catch (error) {
        return { sqlBytes, error };
      } finally {
        connection.destroy();
      }
    }

    it('warns, and the largest BLOB it reports really is what one INSERT can carry (hex halves it)', async () => {
      const report = await doctor(server);
      const packet = finding(report, 'max-allowed-packet');
      expect(packet.severity).toBe('warn');
      expect(packet.values.maxAllowedPacket).toBe(1_048_576);
      const reported = Number(packet.values.largestHexBlobBytes);

      // The exact limit for this short INSERT: X'…' is 2 bytes per byte + 3, around 37 bytes of SQL.
      const shortSql = 'INSERT INTO doctor_blob (b) VALUES ()'.length;
      const exact = Math.floor((largestStatementBytes(1_048_576) - shortSql - 3) / 2);
      expect(reported).toBeLessThanOrEqual(exact);
      expect(exact - reported).toBeLessThan(128); // only the 256-byte statement reserve apart

      const fits = await insertBlob(reported);
      expect(fits.error).toBeUndefined();
      const largest = await insertBlob(exact);
      expect(largest.sqlBytes).toBeLessThanOrEqual(largestStatementBytes(1_048_576));
      expect(largest.error).toBeUndefined();
      const tooLarge = await insertBlob(exact + 1);
      expect(tooLarge.sqlBytes).toBeGreaterThan(largestStatementBytes(1_048_576));
      expect(tooLarge.error).toBeDefined();
      expect(['packet-too-large', 'connection-lost']).toContain(classify(tooLarge.error).kind);
      // Half the packet, not the whole of it: a raw-size BLOB would have fit twice over.
      expect(reported).toBeLessThan(1_048_576 / 2);
    });
  });

  describe('max_connections = 20', () => {
    let server: MariaDBServer;
    beforeAll(async () => {
      server = await startMariaDB({ serverOptions: { max_connections: 20 } });
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('is severe when pool.max × instances exceeds it (exit 1)', async () => {
      const report = await doctor(server, { poolMax: 10, instances: 3 });
      expect(finding(report, 'max-connections')).toMatchObject({
        severity: 'severe',
        values: { maxConnections: 20, poolConnections: 30 },
      });
      expect(report.exitCode).toBe(1);
    });

    it('warns when the connections open now leave no room for full pools, ok once they close', async () => {
      const open: Connection[] = [];
      try {
        for (let i = 0; i < 6; i++) open.push(await createConnection(server.connection));
        const crowded = finding(await doctor(server, { poolMax: 8, instances: 2 }), 'max-connections');
        expect(crowded.severity).toBe('warn');
        expect(Number(crowded.values.otherConnections)).toBeGreaterThanOrEqual(6);
        expect(Number(crowded.values.headroom)).toBeLessThan(0);
      } finally {
        await Promise.all(open.map((c) => c.end()));
      }
      const roomy = finding(await doctor(server, { poolMax: 4, instances: 2 }), 'max-connections');
      expect(roomy.severity).toBe('ok');
    });
  });

  describe('max_user_connections = 5', () => {
    let server: MariaDBServer;
    beforeAll(async () => {
      server = await startMariaDB({ serverOptions: { max_user_connections: 5 } });
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it("is severe when one pool wants more than the account's limit", async () => {
      const report = await doctor(server);
      expect(finding(report, 'max-connections')).toMatchObject({
        severity: 'severe',
        values: { maxUserConnections: 5 },
      });
      expect(finding(await doctor(server, { poolMax: 4 }), 'max-connections').severity).not.toBe('severe');
    });
  });

  describe('read_only, short net timeouts and a tight max_statement_time', () => {
    let server: MariaDBServer;
    beforeAll(async () => {
      server = await startMariaDB({
        serverOptions: { read_only: 1, net_read_timeout: 5, net_write_timeout: 10, max_statement_time: 0.5 },
      });
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('warns for each (nothing severe: exit 0), and the read-only warning is real', async () => {
      const report = await doctor(server);
      expect(finding(report, 'read-only')).toMatchObject({
        severity: 'warn',
        values: { readOnly: true, superReadOnly: null },
      });
      expect(finding(report, 'net-timeouts')).toMatchObject({
        severity: 'warn',
        values: { netReadTimeoutSeconds: 5, netWriteTimeoutSeconds: 10 },
      });
      expect(finding(report, 'statement-timeout')).toMatchObject({
        severity: 'warn',
        values: { maxStatementTimeSeconds: 0.5, maxExecutionTimeMs: null },
      });
      expect(report.exitCode).toBe(0);

      // Behind a proxy (one address), a read-only server means no writer: severe, and the server
      // checks still run on it.
      const proxied = await runDoctor({ url: `${server.url}?flavor=proxy` });
      if (!proxied.connected) throw new Error(proxied.failure.message);
      expect(proxied.cluster).toMatchObject({
        election: 'none',
        writer: null,
        checkedHost: `127.0.0.1:${server.port}`,
      });
      expect(proxied.cluster?.hosts[0]).toMatchObject({ state: 'read-only', reason: 'read_only is ON' });
      expect(proxied.cluster?.findings[0]).toMatchObject({ id: 'cluster-writer', severity: 'severe' });
      expect(proxied.findings.map((f) => f.id)).toEqual(report.findings.map((f) => f.id));
      expect(proxied.exitCode).toBe(1);

      const connection = await createConnection(server.connection);
      try {
        const write = await connection.query('CREATE TABLE doctor_ro (id INT)').catch((e: unknown) => e);
        expect(classify(write).kind).toBe('read-only');
      } finally {
        await connection.end();
      }
    });
  });
});
