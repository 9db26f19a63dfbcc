import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { classify, goneAway, isDatabaseUnavailable } from '@goneaway/knex';
import {
  canControlServers,
  type FaultProxy,
  type MariaDBServer,
  noControlReason,
  startFaultProxy,
  startMariaDB,
} from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * TLS survives reconnects: a private MariaDB with a self-signed certificate (made here with openssl),
 * `require_secure_transport=ON` and an application user that REQUIRES SSL. After each fault (KILL of
 * an idle connection, KILL mid-read, a proxy reset, a SIGKILL and restart) goneaway's fresh connection
 * must still be encrypted with the user's settings: never a silent downgrade to plaintext, and a
 * certificate the user's CA does not trust is an error, not a fallback.
 */

const run = promisify(execFile);
const silent = { warn() {}, error() {}, deprecate() {}, debug() {} };

/** A self-signed certificate for 127.0.0.1 (CN and subjectAltName), written to `dir`. */
async function makeCertificate(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { cert, key };
}

describe.skipIf(!canControlServers)('TLS across reconnects', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);
  let server: MariaDBServer;
  let proxy: FaultProxy;
  let ca: string;
  let untrustedCa: string;
  let admin: Connection | undefined;

  /**
   * require_secure_transport is set at runtime, not as a start option: the harness checks that its
   * server is up with a plaintext root connection, which the option would refuse. It is set again
   * after each restart; the application user's REQUIRE SSL is stored and survives restarts.
   */
  async function requireSecureTransport(): Promise<void> {
    await server.query('SET GLOBAL require_secure_transport = ON');
    await admin?.end().catch(() => undefined);
    // From now on the admin talks TLS too (the harness's own plaintext admin pool would be refused).
    admin = await createConnection({ ...server.adminConnection, ssl: { ca } });
  }

  beforeAll(async () => {
    server = await startMariaDB();
    const dir = server.dir!;
    const trusted = await makeCertificate(dir, 'server');
    const other = await makeCertificate(dir, 'other');
    ca = await readFile(trusted.cert, 'utf8');
    untrustedCa = await readFile(other.cert, 'utf8');
    await server.restart({ serverOptions: { ssl_cert: trusted.cert, ssl_key: trusted.key } });
    await server.query(`ALTER USER '${server.connection.user}'@'%' REQUIRE SSL`);
    await requireSecureTransport();
    proxy = await startFaultProxy(server.port);
  }, 60_000);
  afterAll(async () => {
    await admin?.end().catch(() => undefined);
    await proxy?.close();
    await server?.destroy();
  });

  interface Probe {
    readonly id: number;
    readonly cipher: string;
  }

  const PROBE_SQL =
    "SELECT CONNECTION_ID() AS id, (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher') AS cipher";

  async function probe(db: Knex, sql = PROBE_SQL): Promise<Probe> {
    const [rows] = (await db.raw(sql)) as [Array<{ id: number; cipher: string | null }>];
    return { id: Number(rows[0]?.id), cipher: String(rows[0]?.cipher ?? '') };
  }

  async function adminQuery<T>(sql: string, params?: unknown[]): Promise<T[]> {
    const [rows] = await admin!.query<RowDataPacket[]>(sql, params);
    return rows as unknown as T[];
  }

  async function killApplicationConnections(): Promise<void> {
    const rows = await adminQuery<{ id: number }>(
      'SELECT id FROM information_schema.processlist WHERE user = ?',
      [server.connection.user],
    );
    for (const row of rows) await adminQuery(`KILL ${Number(row.id)}`).catch(() => undefined);
  }

  async function killWhenRunning(marker: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [row] = await adminQuery<{ id: number }>(
        'SELECT id FROM information_schema.processlist WHERE user = ? AND info LIKE ?',
        [server.connection.user, `%${marker}%`],
      );
      if (row) {
        await adminQuery(`KILL ${Number(row.id)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no statement with ${marker} ran`);
  }

  type Fault = 'kill-idle' | 'kill-mid-read' | 'proxy-reset' | 'sigkill-restart';
  const FAULTS: Fault[] = ['kill-idle', 'kill-mid-read', 'proxy-reset', 'sigkill-restart'];

  /** Injects one fault; returns what the next read saw (for kill-mid-read, the killed read's own retry). */
  async function injectAndProbe(db: Knex, fault: Fault): Promise<Probe> {
    switch (fault) {
      case 'kill-idle':
        await killApplicationConnections();
        return probe(db);
      case 'kill-mid-read': {
        const marker = `tls_${Date.now()}`;
        const read = probe(db, `${PROBE_SQL}, SLEEP(1) AS \`${marker}\``);
        await killWhenRunning(marker);
        return read;
      }
      case 'proxy-reset':
        proxy.resetAll();
        return probe(db);
      case 'sigkill-restart':
        await server.kill();
        await server.start();
        await requireSecureTransport();
        return probe(db);
    }
  }

  it.each([
    ['an object', (settings: Record<string, unknown>) => settings],
    ['a function', (settings: Record<string, unknown>) => () => settings],
  ])(
    'connection given as %s: every reconnect is TLS with the user settings',
    async (_form, shape) => {
      const settings = { ...proxy.route(server.connection), ssl: { ca, rejectUnauthorized: true } };
      const db = knex(
        goneAway({
          client: 'mysql2',
          connection: shape(settings) as never,
          pool: { min: 0, max: 1 },
          log: silent,
        }),
      );
      try {
        let last = await probe(db);
        expect(last.cipher).not.toBe('');
        for (const fault of FAULTS) {
          const next = await injectAndProbe(db, fault);
          expect({ fault, reconnected: next.id !== last.id, encrypted: next.cipher !== '' }).toEqual({
            fault,
            reconnected: true,
            encrypted: true,
          });
          last = next;
        }
      } finally {
        await db.destroy();
      }
    },
    60_000,
  );

  it('the server is really strict: plaintext is refused even for root (require_secure_transport=ON)', async () => {
    const error = await createConnection({ ...server.adminConnection, connectTimeout: 5_000 }).then(
      async (connection) => {
        await connection.end();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    // MariaDB answers an insecure connect with "Access denied" (1045): root's empty password works over TLS.
    expect((error as { errno?: number } | undefined)?.errno).toBe(1045);
    const [row] = await adminQuery<{ on: number }>('SELECT @@require_secure_transport AS `on`');
    expect(Number(row?.on)).toBe(1);
  });

  it('without ssl settings the application is refused at once (auth-failed, not retried): no plaintext session', async () => {
    const db = knex(
      goneAway(
        { client: 'mysql2', connection: server.connection, pool: { min: 0, max: 1 }, log: silent },
        { outageBudgetMs: 500, connectTimeoutMs: 2_000 },
      ),
    );
    try {
      const error = await db.raw('select 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(classify(error)).toMatchObject({ kind: 'auth-failed', retry: 'never' });
    } finally {
      await db.destroy();
    }
  });

  it('a certificate the configured CA does not trust is an error, never a fallback to plaintext', async () => {
    const db = knex(
      goneAway(
        {
          client: 'mysql2',
          connection: { ...server.connection, ssl: { ca: untrustedCa, rejectUnauthorized: true } },
          pool: { min: 0, max: 1 },
          log: silent,
        },
        { outageBudgetMs: 500, connectTimeoutMs: 2_000 },
      ),
    );
    try {
      const error = await db.raw('select 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      // A TLS handshake failure is a connect failure: retried within the budget, then unavailable.
      expect(isDatabaseUnavailable(error), String(error)).toBe(true);
      expect(classify((error as Error).cause).code).toBe('HANDSHAKE_SSL_ERROR');
      const sessions = await adminQuery('SELECT id FROM information_schema.processlist WHERE user = ?', [
        server.connection.user,
      ]);
      expect(sessions).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
