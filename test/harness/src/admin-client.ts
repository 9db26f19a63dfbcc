import { setTimeout as delay } from 'node:timers/promises';
import { createPool, type Pool } from 'mysql2/promise';
import type { ConnectionInfo } from './mariadb-server.js';

const ER_NO_SUCH_THREAD = 1094;
const KILL_SETTLE_MS = 5_000;

/**
 * The admin side of a server: a small lazily created pool (so a long admin query does not block the
 * next one), dropped and recreated around restarts. It remembers its own thread ids so that
 * processIds()/killConnections() never count or kill the admin's connections.
 */
export class AdminClient {
  readonly #connection: ConnectionInfo;
  #pool: Pool | undefined;
  readonly #ownThreadIds = new Set<number>();

  constructor(connection: ConnectionInfo) {
    this.#connection = connection;
  }

  #getPool(): Pool {
    if (this.#pool) return this.#pool;
    const pool = createPool({
      ...this.#connection,
      connectionLimit: 4,
      maxIdle: 2,
      connectTimeout: 5_000,
      // Keep numbers as numbers: ids and counters are compared in tests.
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
    pool.on('connection', (connection) => {
      const threadId = connection.threadId;
      this.#ownThreadIds.add(threadId);
    });
    this.#pool = pool;
    return pool;
  }

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    const [result] = await this.#getPool().query(sql, params);
    return Array.isArray(result) ? (result as unknown as T[]) : [];
  }

  async version(): Promise<string> {
    const [row] = await this.query<{ version: string }>('SELECT VERSION() AS version');
    if (!row) throw new Error('SELECT VERSION() returned no row');
    return row.version;
  }

  async processIds(user: string): Promise<number[]> {
    const rows = await this.query<{ id: number }>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID() ORDER BY ID',
      [user],
    );
    return rows.map((row) => Number(row.id)).filter((id) => !this.#ownThreadIds.has(id));
  }

  async killConnections(user: string): Promise<number> {
    const ids = await this.processIds(user);
    let killed = 0;
    for (const id of ids) {
      try {
        await this.query(`KILL CONNECTION ${Number(id)}`);
        killed += 1;
      } catch (error) {
        // The connection ended on its own between the listing and the KILL.
        if ((error as { errno?: number }).errno !== ER_NO_SUCH_THREAD) throw error;
      }
    }
    if (ids.length > 0) await this.#waitUntilGone(ids);
    return killed;
  }

  /** KILL only flags the thread; wait until the server has really dropped it, so callers see a settled state. */
  async #waitUntilGone(ids: readonly number[]): Promise<void> {
    const deadline = Date.now() + KILL_SETTLE_MS;
    while (Date.now() < deadline) {
      const rows = await this.query('SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (?)', [ids]);
      if (rows.length === 0) return;
      await delay(20);
    }
  }

  /** Drops the pool (the server went or is going away); the next call opens a new one. */
  async reset(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    this.#ownThreadIds.clear();
    if (!pool) return;
    // end() sends COM_QUIT on each connection; do not let a dead server hold us up.
    await Promise.race([pool.end().catch(() => undefined), delay(2_000, undefined, { ref: false })]);
  }
}
