import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { HarnessError } from './harness-error.js';
import type { LocalMariaDBServer } from './local-mariadb-server.js';
import type { MariaDBServer } from './mariadb-server.js';
import type { ServerOptions } from './server-options.js';
import { startLocalMariaDB } from './start-mariadb.js';

const POLL_MS = 50;

export interface StartReplicationPairOptions {
  /** Extra mariadbd options for both servers (the replication settings win over them). */
  readonly serverOptions?: ServerOptions;
  /**
   * Semi-synchronous replication, AFTER_SYNC (default true): a commit returns only once the replica
   * has the event in its relay log, so killPrimaryAndPromote() loses no acknowledged transaction.
   * False: plain asynchronous replication, where an unplanned failover may lose the last commits.
   */
  readonly semiSync?: boolean;
  readonly startTimeoutMs?: number;
}

export interface ReplicationStatus {
  readonly ioRunning: string;
  readonly sqlRunning: string;
  readonly secondsBehindMaster: number | null;
  /** GTIDs received / applied by the replica, and written by the primary. */
  readonly gtidIoPos: string;
  readonly gtidSlavePos: string;
  readonly primaryGtidBinlogPos: string;
  readonly lastError: string;
}

export interface ReplicationPair extends AsyncDisposable {
  /** The two servers, server_id 1 and 2; both take the same application user and password. */
  readonly servers: readonly [MariaDBServer, MariaDBServer];
  /** The current primary (read_only=0) and replica (read_only=1); they swap on switchover/promote. */
  readonly primary: MariaDBServer;
  readonly replica: MariaDBServer;
  readonly semiSync: boolean;
  /** SHOW SLAVE STATUS on the replica, with both sides' GTID positions. */
  status(): Promise<ReplicationStatus>;
  /**
   * 0 when the replica has applied everything the primary wrote; otherwise Seconds_Behind_Master × 1000
   * (MariaDB's granularity is one second), or null when the replica is behind and not replicating.
   */
  lagMs(): Promise<number | null>;
  /** Waits (MASTER_GTID_WAIT) until the replica has applied the primary's current binlog position. */
  waitForCatchUp(timeoutMs?: number): Promise<void>;
  /** STOP SLAVE on the replica (and no semi-sync wait on the primary): writes then pile up as lag. */
  stopReplication(): Promise<void>;
  startReplication(): Promise<void>;
  /**
   * MASTER_DELAY: the replica applies each transaction `seconds` after the primary committed it, so
   * Seconds_Behind_Master (lagMs) shows a real, running lag. 0 removes the delay.
   */
  setReplicationDelay(seconds: number): Promise<void>;
  /**
   * Planned switchover: read_only=1 on the primary, the replica catches up (MASTER_GTID_WAIT), is
   * promoted (STOP SLAVE; RESET SLAVE ALL; read_only=0) and the old primary replicates from it.
   * Resolves with how long writes were refused (read_only on the old primary until the new one is writable).
   */
  switchover(timeoutMs?: number): Promise<{ readonly writeDowntimeMs: number }>;
  /**
   * Unplanned failover: SIGKILL the primary, let the replica apply what it received, promote it.
   * The old primary stays down (its `start()` brings it back as a stand-alone read_only=0 server).
   */
  killPrimaryAndPromote(timeoutMs?: number): Promise<{ readonly promoteMs: number }>;
  /** Destroys both servers; idempotent. */
  stop(): Promise<void>;
}

/**
 * Two private mariadbd servers (binlog, GTID strict mode, log_slave_updates), the second replicating
 * from the first with MASTER_USE_GTID=slave_pos and read_only=1. MYSQL_URL is ignored: a pair is
 * always the harness's own.
 */
export async function startReplicationPair(
  options: StartReplicationPairOptions = {},
): Promise<ReplicationPair> {
  const semiSync = options.semiSync ?? true;
  const password = randomBytes(16).toString('hex');
  const serverOptionsFor = (serverId: number): ServerOptions => ({
    ...options.serverOptions,
    log_bin: 'mariadb-bin',
    server_id: serverId,
    gtid_strict_mode: 1,
    log_slave_updates: true,
    binlog_format: 'ROW',
    // Both may become the replica; the primary side is switched on for the current primary only.
    rpl_semi_sync_slave_enabled: semiSync ? 1 : 0,
    rpl_semi_sync_master_wait_point: 'AFTER_SYNC',
    rpl_semi_sync_master_timeout: 30_000,
  });
  const started: LocalMariaDBServer[] = [];
  try {
    for (const serverId of [1, 2]) {
      started.push(
        await startLocalMariaDB(
          { serverOptions: serverOptionsFor(serverId), startTimeoutMs: options.startTimeoutMs },
          password,
        ),
      );
    }
    const pair = new LocalReplicationPair(
      started[0] as LocalMariaDBServer,
      started[1] as LocalMariaDBServer,
      semiSync,
    );
    await pair.setUp();
    return pair;
  } catch (error) {
    await Promise.all(started.map((server) => server.destroy()));
    throw error;
  }
}

async function one<T>(server: MariaDBServer, sql: string, params?: unknown[]): Promise<T | undefined> {
  return (await server.query<T>(sql, params))[0];
}

async function gtidBinlogPos(server: MariaDBServer): Promise<string> {
  return (await one<{ pos: string }>(server, 'SELECT @@GLOBAL.gtid_binlog_pos AS pos'))?.pos ?? '';
}

class LocalReplicationPair implements ReplicationPair {
  readonly servers: readonly [MariaDBServer, MariaDBServer];
  readonly semiSync: boolean;
  #primary: MariaDBServer;
  #replica: MariaDBServer;
  #stopped: Promise<void> | undefined;

  constructor(first: MariaDBServer, second: MariaDBServer, semiSync: boolean) {
    this.servers = [first, second];
    this.#primary = first;
    this.#replica = second;
    this.semiSync = semiSync;
  }

  get primary(): MariaDBServer {
    return this.#primary;
  }

  get replica(): MariaDBServer {
    return this.#replica;
  }

  async setUp(): Promise<void> {
    const replica = this.#replica;
    // Each server wrote its own setup (application user) to its binlog under its own server_id: the
    // replica drops its binlog and starts after the primary's setup, or strict mode would refuse.
    await replica.query('RESET MASTER');
    await replica.query('SET GLOBAL read_only = 1');
    await replica.query('SET GLOBAL gtid_slave_pos = ?', [await gtidBinlogPos(this.#primary)]);
    if (this.semiSync) await this.#primary.query('SET GLOBAL rpl_semi_sync_master_enabled = ON');
    await this.#replicateFrom(replica, this.#primary, 30_000);
  }

  /** Points `replica` at `primary` and waits until both replication threads run (and semi-sync has its client). */
  async #replicateFrom(replica: MariaDBServer, primary: MariaDBServer, timeoutMs: number): Promise<void> {
    await replica.query(
      `CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ${Number(primary.port)}, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1`,
      [primary.adminConnection.host, primary.adminConnection.user, primary.adminConnection.password],
    );
    await replica.query('START SLAVE');
    await this.#waitUntil(
      async () => {
        const row = await one<Record<string, unknown>>(replica, 'SHOW SLAVE STATUS');
        return row?.Slave_IO_Running === 'Yes' && row?.Slave_SQL_Running === 'Yes';
      },
      'the replica to connect to the primary',
      timeoutMs,
      replica,
    );
    if (this.semiSync) {
      await this.#waitUntil(
        async () => {
          const row = await one<{ Value: string }>(
            primary,
            "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'",
          );
          return Number(row?.Value ?? 0) >= 1;
        },
        'the replica to register as a semi-sync client',
        timeoutMs,
        replica,
      );
    }
  }

  async #waitUntil(
    predicate: () => Promise<boolean>,
    what: string,
    timeoutMs: number,
    replica: MariaDBServer,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await predicate()) return;
      if (Date.now() >= deadline) break;
      await delay(POLL_MS);
    }
    const status = await one<Record<string, unknown>>(replica, 'SHOW SLAVE STATUS').catch(() => undefined);
    throw new HarnessError(
      'HARNESS_TIMEOUT',
      `timed out after ${timeoutMs} ms waiting for ${what}; replica status: IO ${String(status?.Slave_IO_Running)}, SQL ${String(status?.Slave_SQL_Running)}, last error ${String(status?.Last_Error || status?.Last_IO_Error || '-')}`,
    );
  }

  async status(): Promise<ReplicationStatus> {
    const row = await one<Record<string, unknown>>(this.#replica, 'SHOW SLAVE STATUS');
    const applied = await one<{ pos: string }>(this.#replica, 'SELECT @@GLOBAL.gtid_slave_pos AS pos');
    const behind = row?.Seconds_Behind_Master;
    return {
      ioRunning: String(row?.Slave_IO_Running ?? 'No'),
      sqlRunning: String(row?.Slave_SQL_Running ?? 'No'),
      secondsBehindMaster: behind === null || behind === undefined ? null : Number(behind),
      gtidIoPos: String(row?.Gtid_IO_Pos ?? ''),
      gtidSlavePos: applied?.pos ?? '',
      primaryGtidBinlogPos: await gtidBinlogPos(this.#primary),
      lastError: String(row?.Last_Error || row?.Last_IO_Error || row?.Last_SQL_Error || ''),
    };
  }

  async lagMs(): Promise<number | null> {
    const target = await gtidBinlogPos(this.#primary);
    const reached = await one<{ r: number }>(this.#replica, 'SELECT MASTER_GTID_WAIT(?, 0) AS r', [target]);
    if (Number(reached?.r) === 0) return 0;
    const { secondsBehindMaster } = await this.status();
    return secondsBehindMaster === null ? null : secondsBehindMaster * 1000;
  }

  async waitForCatchUp(timeoutMs = 30_000): Promise<void> {
    const target = await gtidBinlogPos(this.#primary);
    await this.#waitForGtid(this.#replica, target, timeoutMs);
  }

  async #waitForGtid(server: MariaDBServer, target: string, timeoutMs: number): Promise<void> {
    const seconds = Math.max(0.1, timeoutMs / 1000);
    const reached = await one<{ r: number }>(server, 'SELECT MASTER_GTID_WAIT(?, ?) AS r', [target, seconds]);
    if (Number(reached?.r) !== 0) {
      const status = await this.status().catch(() => undefined);
      throw new HarnessError(
        'HARNESS_TIMEOUT',
        `the replica did not reach GTID ${target} within ${timeoutMs} ms (applied ${status?.gtidSlavePos ?? '?'}, SQL thread ${status?.sqlRunning ?? '?'})`,
      );
    }
  }

  async stopReplication(): Promise<void> {
    // Without this, every commit on the primary would wait rpl_semi_sync_master_timeout for an ack.
    if (this.semiSync) await this.#primary.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
    await this.#replica.query('STOP SLAVE');
  }

  async startReplication(): Promise<void> {
    if (this.semiSync) await this.#primary.query('SET GLOBAL rpl_semi_sync_master_enabled = ON');
    await this.#replica.query('START SLAVE');
  }

  async setReplicationDelay(seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 0) {
      throw new HarnessError(
        'HARNESS_INVALID_ARGUMENT',
        `setReplicationDelay: expected whole seconds >= 0, got ${seconds}`,
      );
    }
    await this.#replica.query('STOP SLAVE');
    await this.#replica.query(`CHANGE MASTER TO MASTER_DELAY = ${seconds}`);
    await this.#replica.query('START SLAVE');
  }

  async switchover(timeoutMs = 30_000): Promise<{ readonly writeDowntimeMs: number }> {
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1_000, deadline - Date.now());
    const oldPrimary = this.#primary;
    const newPrimary = this.#replica;
    const started = performance.now();
    await oldPrimary.query('SET GLOBAL read_only = 1');
    await this.#waitForGtid(newPrimary, await gtidBinlogPos(oldPrimary), left());
    await newPrimary.query('STOP SLAVE');
    await newPrimary.query('RESET SLAVE ALL');
    if (this.semiSync) {
      await oldPrimary.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
      await newPrimary.query('SET GLOBAL rpl_semi_sync_master_enabled = ON');
    }
    // The old primary never was a replica: its slave position is what it wrote itself.
    await oldPrimary.query('SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos');
    await this.#replicateFrom(oldPrimary, newPrimary, left());
    await newPrimary.query('SET GLOBAL read_only = 0');
    const writeDowntimeMs = Math.round(performance.now() - started);
    this.#primary = newPrimary;
    this.#replica = oldPrimary;
    return { writeDowntimeMs };
  }

  async killPrimaryAndPromote(timeoutMs = 30_000): Promise<{ readonly promoteMs: number }> {
    const deadline = Date.now() + timeoutMs;
    const oldPrimary = this.#primary;
    const newPrimary = this.#replica;
    await oldPrimary.kill();
    const started = performance.now();
    // Everything the replica received (with semi-sync: everything acknowledged) must be applied first.
    await newPrimary.query('STOP SLAVE IO_THREAD');
    const received = await one<Record<string, unknown>>(newPrimary, 'SHOW SLAVE STATUS');
    await this.#waitForGtid(
      newPrimary,
      String(received?.Gtid_IO_Pos ?? ''),
      Math.max(1_000, deadline - Date.now()),
    );
    await newPrimary.query('STOP SLAVE');
    await newPrimary.query('RESET SLAVE ALL');
    // No replica left to acknowledge: semi-sync would hold every commit for its timeout.
    if (this.semiSync) await newPrimary.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
    await newPrimary.query('SET GLOBAL read_only = 0');
    const promoteMs = Math.round(performance.now() - started);
    this.#primary = newPrimary;
    this.#replica = oldPrimary;
    return { promoteMs };
  }

  stop(): Promise<void> {
    this.#stopped ??= Promise.all(this.servers.map((server) => server.destroy())).then(() => undefined);
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
