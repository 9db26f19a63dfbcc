import {
  type FaultProxy,
  type MariaDBServer,
  parseMysqlUrl,
  startFaultProxy,
  startMariaDB,
} from '@goneaway/test-harness';
import { createPool } from 'mysql2/promise';
import type { Capability, DemoTuning, SideName } from './scenario.js';

export type { FaultProxy, MariaDBServer };

export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

type Row = Record<string, unknown>;

/**
 * Where one side of the demo runs: a server, a fault proxy in front of it, and the admin operations
 * (KILL, SET GLOBAL, restart) that produce the failures. Each side gets its own lane so both sides of a
 * scenario can run at the same time without one side's KILL or restart touching the other's pool.
 */
export interface DemoLane {
  readonly side: SideName;
  /** The application user through this lane's fault proxy (what the scenarios connect to). */
  readonly connection: ConnectionSettings;
  /** The application user straight to the server, for scenarios where the proxy would change the failure. */
  readonly directConnection: ConnectionSettings;
  readonly proxy: FaultProxy | undefined;
  /** The private server, when the demo started it (undefined with `--url`). */
  readonly server: MariaDBServer | undefined;
  readonly capabilities: ReadonlySet<Capability>;
  readonly tuning: DemoTuning;
  /** This lane's table: sides sharing a `--url` server never share rows. */
  readonly table: string;
  /** Runs one statement with the most privileged account the lane has (root on a private server). */
  admin(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Thread ids of the application user whose current statement matches the `LIKE` pattern. */
  threadsRunning(likePattern: string): Promise<number[]>;
  kill(threadId: number): Promise<void>;
  close(): Promise<void>;
}

export const DEMO_SERVER_OPTIONS = { wait_timeout: 2, max_allowed_packet: '1M' } as const;

async function createTable(admin: DemoLane['admin'], table: string): Promise<void> {
  await admin(
    `CREATE TABLE IF NOT EXISTS \`${table}\` (
       id INT AUTO_INCREMENT PRIMARY KEY,
       tag VARCHAR(64) NOT NULL,
       v INT NULL,
       payload LONGBLOB NULL
     ) ENGINE=InnoDB`,
  );
}

function makeLaneOps(
  side: SideName,
  admin: DemoLane['admin'],
  appUser: string,
): Pick<DemoLane, 'threadsRunning' | 'kill'> {
  return {
    async threadsRunning(likePattern) {
      const rows = await admin(
        'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND INFO LIKE ? AND ID <> CONNECTION_ID()',
        [appUser, likePattern],
      );
      return rows.map((row) => Number(row.id));
    },
    async kill(threadId) {
      if (!Number.isSafeInteger(threadId)) throw new Error(`${side} lane: not a thread id: ${threadId}`);
      await admin(`KILL ${threadId}`);
    },
  };
}

/** A private MariaDB (wait_timeout 2 s, max_allowed_packet 1 MB) and a fault proxy in front of it. */
export async function startPrivateLane(side: SideName, tuning: DemoTuning): Promise<DemoLane> {
  const server = await startMariaDB({
    serverOptions: { ...DEMO_SERVER_OPTIONS, wait_timeout: tuning.waitTimeoutSeconds },
  });
  let proxy: FaultProxy | undefined;
  try {
    proxy = await startFaultProxy(server.port);
    const admin: DemoLane['admin'] = (sql, params) => server.query<Row>(sql, params);
    const table = `goneaway_demo_${side}`;
    await createTable(admin, table);
    const direct = server.connection;
    return {
      side,
      connection: { ...direct, host: proxy.host, port: proxy.port },
      directConnection: { ...direct },
      proxy,
      server,
      capabilities: new Set<Capability>(['kill', 'restart', 'reconfigure', 'proxy']),
      tuning,
      table,
      admin,
      ...makeLaneOps(side, admin, direct.user),
      async close() {
        await proxy?.close();
        await server.destroy();
      },
    };
  } catch (error) {
    await proxy?.close();
    await server.destroy();
    throw error;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * A server the user owns: the demo never kills, restarts or reconfigures it. The fault proxy (a local
 * TCP relay) is only put in front of a loopback server.
 */
export async function startUrlLane(side: SideName, url: string, tuning: DemoTuning): Promise<DemoLane> {
  const direct = parseMysqlUrl(url, '--url');
  const pool = createPool({ ...direct, connectionLimit: 2, connectTimeout: 5000 });
  const admin: DemoLane['admin'] = async (sql, params) => {
    const [rows] = await pool.query(sql, params);
    return Array.isArray(rows) ? (rows as Row[]) : [];
  };
  let proxy: FaultProxy | undefined;
  try {
    await admin('SELECT 1');
    const table = `goneaway_demo_${side}`;
    await createTable(admin, table);
    if (isLoopback(direct.host)) proxy = await startFaultProxy(direct.port, { upstreamHost: direct.host });
    const capabilities = new Set<Capability>(proxy ? ['proxy'] : []);
    return {
      side,
      connection: proxy ? { ...direct, host: proxy.host, port: proxy.port } : direct,
      directConnection: direct,
      proxy,
      server: undefined,
      capabilities,
      tuning,
      table,
      admin,
      ...makeLaneOps(side, admin, direct.user),
      async close() {
        await admin(`DROP TABLE IF EXISTS \`${table}\``).catch(() => undefined);
        await proxy?.close();
        await pool.end();
      },
    };
  } catch (error) {
    await proxy?.close();
    await pool.end();
    throw error;
  }
}
