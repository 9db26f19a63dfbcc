import { setTimeout as delay } from 'node:timers/promises';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveConnectionLimits } from '../../packages/core/src/limits/derive-connection-limits.js';
import { readServerLimits } from '../../packages/core/src/limits/read-server-limits.js';
import type { QueryableConnection } from '../../packages/core/src/limits/server-limits.js';
import { parsePolicy } from '../../packages/core/src/policy/parse-policy.js';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  startMariaDB,
} from '../harness/src/index.js';

/** The QueryableConnection shape over a mysql2 connection, counting the statements it sends. */
function queryable(connection: Connection) {
  const sent: string[] = [];
  const shape: QueryableConnection = {
    async query(sql) {
      sent.push(sql);
      const [rows] = await connection.query(sql);
      return rows as Array<Record<string, unknown>>;
    },
  };
  return { shape, sent };
}

async function sessionStatus(connection: Connection, name: string): Promise<number> {
  const [rows] = await connection.query('SHOW SESSION STATUS LIKE ?', [name]);
  return Number((rows as Array<{ Value: string }>)[0]?.Value);
}

describe.skipIf(!canControlServers)('readServerLimits on a real MariaDB', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { wait_timeout: 2, max_allowed_packet: '1M' } });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('reads the exact values in one statement, as the application user', async () => {
    const connection = await createConnection(server.connection);
    try {
      const { shape, sent } = queryable(connection);
      const selectsBefore = await sessionStatus(connection, 'Com_select');
      const limits = await readServerLimits(shape);
      const selectsAfter = await sessionStatus(connection, 'Com_select');

      expect(sent).toHaveLength(1);
      // The server counted one SELECT for the session (SHOW STATUS is not a SELECT).
      expect(selectsAfter - selectsBefore).toBe(1);
      const [expected] = await server.query<{ it: number; v: string }>(
        'SELECT @@global.interactive_timeout AS it, version() AS v',
      );
      if (expected === undefined) throw new Error('no row');
      expect(limits).toEqual({
        waitTimeoutSeconds: 2,
        interactiveTimeoutSeconds: Number(expected.it),
        maxAllowedPacket: 1_048_576,
        readOnly: false,
        superReadOnly: false,
        version: expected.v,
        flavor: 'mariadb',
        connectionId: connection.threadId,
      });
      expect(limits.version).toMatch(/-MariaDB/);
    } finally {
      await connection.end();
    }
  });

  it('sees read_only once the server is switched to it', async () => {
    await server.query('SET GLOBAL read_only = 1');
    const connection = await createConnection(server.connection);
    try {
      const limits = await readServerLimits(queryable(connection).shape);
      expect(limits.readOnly).toBe(true);
      expect(limits.superReadOnly).toBe(false);
    } finally {
      await connection.end();
      await server.query('SET GLOBAL read_only = 0');
    }
  });

  it('derives an idle limit the server honours: alive at the limit, gone after wait_timeout', async () => {
    const probe = await createConnection(server.connection);
    const limits = await readServerLimits(queryable(probe).shape);
    await probe.end();
    const { idleLimitMs } = deriveConnectionLimits(limits, parsePolicy()).limits;
    expect(idleLimitMs).toBeGreaterThan(1700);
    expect(idleLimitMs).toBeLessThanOrEqual(1750);

    // A loaded machine can oversleep past the margin; such a sample says nothing, so take another.
    let verified = false;
    for (let sample = 0; sample < 3 && !verified; sample++) {
      const connection = await createConnection(server.connection);
      connection.on('error', () => undefined);
      try {
        await connection.query('SELECT 1');
        const idleFrom = performance.now();
        await delay(idleLimitMs);
        const idleMs = performance.now() - idleFrom;
        const alive = await connection.query('SELECT 1').then(
          () => true,
          () => false,
        );
        if (idleMs > 2000) continue;
        expect(alive).toBe(true);
        verified = true;
      } finally {
        connection.destroy();
      }
    }
    expect(verified).toBe(true);

    // Control: past wait_timeout the server has closed the same kind of connection.
    const late = await createConnection(server.connection);
    late.on('error', () => undefined);
    await late.query('SELECT 1');
    await delay(3000);
    const lateError = await late.query('SELECT 1').then(
      () => undefined,
      (error: unknown) => error,
    );
    late.destroy();
    expect(lateError).toMatchObject({ fatal: true });
  });
});
