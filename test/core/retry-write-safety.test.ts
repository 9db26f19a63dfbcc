import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectionLost } from '../../packages/core/src/errors/connection-lost-error.js';
import type { GoneAwayEventInput } from '../../packages/core/src/events/event-types.js';
import { parsePolicy } from '../../packages/core/src/policy/parse-policy.js';
import { createRetryEngine } from '../../packages/core/src/retry/retry-engine.js';
import {
  type ClientDataAction,
  type FaultProxy,
  type MariaDBServer,
  sharedServer,
  startFaultProxy,
} from '../harness/src/index.js';

describe('a statement whose socket is reset mid-flight', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  const table = `writes_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    server = sharedServer();
    proxy = await startFaultProxy(server.port);
    await server.query(
      `CREATE TABLE ${server.connection.database}.${table} (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40))`,
    );
  });
  afterAll(async () => {
    await server?.query(`DROP TABLE IF EXISTS ${server.connection.database}.${table}`);
    await proxy?.close();
  });

  /** Applies `action` to the first client chunk containing `marker`, forwards everything else. */
  function cutFirst(marker: string, action: ClientDataAction): () => number {
    let cuts = 0;
    proxy.onClientData((chunk) => {
      if (cuts === 0 && chunk.includes(marker)) {
        cuts++;
        return action;
      }
      return 'forward';
    });
    return () => cuts;
  }

  async function run(sql: string, safety: 'read' | 'write') {
    const events: GoneAwayEventInput[] = [];
    const engine = createRetryEngine(parsePolicy(), { emit: (event) => events.push(event) });
    let attempts = 0;
    const outcome = await engine
      .execute(
        async () => {
          attempts++;
          const connection = await createConnection(proxy.route(server.connection));
          connection.on('error', () => undefined);
          try {
            const [rows] = await connection.query(sql);
            return rows;
          } finally {
            connection.destroy();
          }
        },
        { statement: { safety, sql } },
      )
      .then(
        (value) => ({ value, error: undefined }),
        (error: unknown) => ({ value: undefined, error }),
      );
    return { ...outcome, attempts, events };
  }

  async function rowsWith(note: string): Promise<number> {
    const rows = await server.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${server.connection.database}.${table} WHERE note = ?`,
      [note],
    );
    return Number(rows[0]?.n);
  }

  it('a write that reached the server: ConnectionLostError, not run again, exactly one row', async () => {
    const note = 'ran-reply-lost';
    const cuts = cutFirst(note, 'forward-then-reset');
    const { error, attempts, events } = await run(`INSERT INTO ${table} (note) VALUES ('${note}')`, 'write');
    expect(cuts()).toBe(1);
    expect(isConnectionLost(error)).toBe(true);
    expect((error as Error).message).not.toContain(note);
    expect((error as Error).cause).toMatchObject({ fatal: true });
    expect(attempts).toBe(1);
    expect(events.filter((event) => event.type === 'retry')).toEqual([]);
    expect(await rowsWith(note)).toBe(1);
  });

  it('a write that never reached the server: ConnectionLostError all the same (it may have), zero rows', async () => {
    const note = 'never-arrived';
    const cuts = cutFirst(note, 'reset');
    const { error, attempts } = await run(`INSERT INTO ${table} (note) VALUES ('${note}')`, 'write');
    expect(cuts()).toBe(1);
    expect(isConnectionLost(error)).toBe(true);
    expect(attempts).toBe(1);
    expect(await rowsWith(note)).toBe(0);
  });

  it('a read lost the same way is run again and succeeds', async () => {
    const cuts = cutFirst('read-me-again', 'forward-then-reset');
    const { value, error, attempts, events } = await run("SELECT 'read-me-again' AS v", 'read');
    expect(error).toBeUndefined();
    expect(value).toEqual([{ v: 'read-me-again' }]);
    expect(cuts()).toBe(1);
    expect(attempts).toBe(2);
    const retry = events.find((event) => event.type === 'retry');
    expect(retry).toMatchObject({ attempt: 1, statement: 'SELECT ? AS `?`' });
  });
});
